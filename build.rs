//! Embeds the version and commit shown in the About box, and stops the build early with the
//! exact install command when the OCR libraries (libtesseract, leptonica) are missing.

use std::process::Command;

const INSTALL_HINT: &str = "run `bash scripts/setup.sh` (or: sudo apt-get install -y pkg-config libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-chi-sim)";

#[expect(
    clippy::print_stderr,
    reason = "a build script talks to the person building through stderr"
)]
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The commit changes when HEAD moves to another branch or the branch moves.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/packed-refs");
    if let Some(branch) = std::fs::read_to_string(".git/HEAD")
        .ok()
        .and_then(|head| head.strip_prefix("ref: ").map(|r| r.trim().to_owned()))
    {
        println!("cargo:rerun-if-changed=.git/{branch}");
    }
    println!("cargo:rerun-if-env-changed=OCRCHAT_SKIP_LIB_CHECK");

    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=OCRCHAT_COMMIT={commit}");

    for (lib, name) in [("tesseract", "libtesseract"), ("lept", "leptonica")] {
        if let Err(err) = pkg_config::Config::new().cargo_metadata(false).probe(lib) {
            // Fail here, in one clear line, instead of deep inside a -sys crate's link step.
            eprintln!("error: {name} was not found by pkg-config: {err}");
            eprintln!("error: to install it, {INSTALL_HINT}");
            panic!("{name} is missing; {INSTALL_HINT}");
        }
    }
}
