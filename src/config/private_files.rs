//! Files only this user may read: the history, its WAL, the settings and the log are created
//! 0600 in 0700 directories, and a file read at start-up must be a regular file of bounded
//! size, so a FIFO or a link to `/dev/zero` where the settings belong cannot hang start-up
//! (issue #8 §2).

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::Path;

/// Creates `dir` (and missing parents) if needed. The directory itself is created 0700;
/// parents are created with the usual permissions, and an existing directory is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        // Another process created it first.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Options that create a file 0600 (on Unix) and never block on a FIFO.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).custom_flags(libc::O_NONBLOCK);
    }
    options
}

fn not_regular(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a regular file", path.display()),
    )
}

/// Creates `path` empty and 0600 unless it exists. Its directory must exist.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    match private_options().write(true).create_new(true).open(path) {
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// Takes group and other permissions off an existing file (one an older version created with
/// the default mode); a missing file is fine.
pub fn restrict_to_owner(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err),
        };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens `path` for appending, creating it 0600 (and its directory 0700) if needed. Refuses
/// anything but a regular file.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let file = private_options().create(true).append(true).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular(path));
    }
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes. A FIFO, a device (a link to `/dev/zero`) or
/// a directory is refused at once instead of blocking or reading without end; a larger file
/// is refused too. `NotFound` is passed through for the caller to treat as "no file".
pub fn read_regular_file(path: &Path, limit: u64) -> io::Result<String> {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    let file = private_options().read(true).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(path));
    }
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is larger than {limit} bytes", path.display()),
        )
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut text = String::new();
    // The file may grow after the check: read one byte past the limit to notice.
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(text)
}

/// Replaces `path` with `bytes` atomically and durably: a 0600 temporary file beside it is
/// written and synced before it is renamed over `path`, then the directory is synced, so a
/// crash or power cut leaves either the old file or the new one, never a short one.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    create_private_dir(dir)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut file = private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    // The rename itself is durable once the directory is synced (not possible on Windows).
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("the file exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn files_are_0600_in_0700_directories() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        let log = dir.join("ocrchat.log");
        open_private_append(&log).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&log), 0o600);
        let config = root.path().join("c/config.toml");
        write_private_atomic(&config, b"x = 1").unwrap();
        assert_eq!(mode(config.parent().unwrap()), 0o700);
        assert_eq!(mode(&config), 0o600);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), "x = 1");
        let db = dir.join("h.sqlite3");
        create_private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }

    #[test]
    fn only_bounded_regular_files_are_read() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success(), "mkfifo");
        // Without O_NONBLOCK and the type check this would wait for a writer forever.
        let err = read_regular_file(&fifo, 1024).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        open_private_append(&fifo).unwrap_err();

        let zero = root.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let err = read_regular_file(&zero, 1024).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");

        let big = root.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        let err = read_regular_file(&big, 1024).unwrap_err();
        assert!(err.to_string().contains("larger than 1024 bytes"), "{err}");
        assert_eq!(read_regular_file(&big, 4096).unwrap().len(), 2048);
        let missing = read_regular_file(&root.path().join("none"), 10).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
