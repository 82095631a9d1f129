//! Which process is streaming a reply. A reply left `streaming` in the database is marked
//! interrupted at start-up only when the process that was streaming it has ended; another
//! running ocrchat (the window while `ocrchat ask` opens the same file) keeps its reply.

/// This process, as "pid:start-time". The start time (clock ticks since boot, from
/// `/proc/self/stat`) tells a live process from a later one that reuses its pid.
pub fn this_process() -> String {
    let pid = std::process::id();
    format!("{pid}:{}", start_time(pid).unwrap_or(0))
}

/// Whether the process that wrote `owner` is still running. Unknown owners, and platforms
/// without `/proc`, count as ended: the reply then reads as interrupted, as after a crash.
pub fn is_running(owner: &str) -> bool {
    let Some((pid, start)) = owner.split_once(':') else {
        return false;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start != 0 && start_time(pid) == Some(start)
}

/// Field 22 of `/proc/PID/stat`, read after the command name (which may contain spaces).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    // After the name come fields 3 onwards; the start time is field 22.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_running_and_others_are_not() {
        let me = this_process();
        if cfg!(target_os = "linux") {
            assert!(is_running(&me), "{me}");
        }
        let pid = std::process::id();
        assert!(
            !is_running(&format!("{pid}:1")),
            "same pid, other start time"
        );
        assert!(!is_running("4294967295:12345"));
        for garbage in ["", "12", "a:b", "12:0"] {
            assert!(!is_running(garbage), "{garbage}");
        }
    }
}
