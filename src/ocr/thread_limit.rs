//! `OMP_THREAD_LIMIT=1` for Debian's libtesseract. Its OpenMP runtime (libgomp) reads the
//! variable once, when the library loads at process start: setting it later, or
//! `omp_set_num_threads`, has no effect. Without it one page took 1.5 s instead of 0.125 s
//! here, because every engine's OpenMP threads fight over the cores the pool already uses. So a
//! program that runs OCR in-process re-executes itself with the variable set.

/// The variable libgomp reads.
pub const VAR: &str = "OMP_THREAD_LIMIT";

/// True when the variable is set (to anything: a user's own choice is respected).
#[must_use]
pub fn is_set() -> bool {
    std::env::var_os(VAR).is_some()
}

/// When the variable is missing, replaces this process with a fresh run of the same program,
/// same arguments and process id, with `OMP_THREAD_LIMIT=1` added. Returns only when the
/// variable was already set (`None`) or the exec failed (the error; the caller carries on
/// without the limit, slower but correct). On platforms without `exec` it does nothing.
#[must_use]
pub fn reexec_if_missing() -> Option<std::io::Error> {
    if is_set() {
        return None;
    }
    reexec()
}

#[cfg(unix)]
#[expect(
    clippy::unnecessary_wraps,
    reason = "exec returns only on failure; other platforms return None"
)]
fn reexec() -> Option<std::io::Error> {
    use std::os::unix::process::CommandExt as _;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return Some(err),
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    Some(command.args(args).env(VAR, "1").exec())
}

#[cfg(not(unix))]
fn reexec() -> Option<std::io::Error> {
    None
}
