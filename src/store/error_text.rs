//! [`StoreError`] in the interface language: English is its `Display`; Chinese is written
//! here with the same cause and next step. SQLite's own words are quoted as they are.

use super::StoreError;
use crate::lang::Lang;

impl StoreError {
    /// The message for a person reading `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => zh(self),
        }
    }
}

/// The next step after SQLite's error, in Chinese.
fn next_step_zh(err: &rusqlite::Error) -> &'static str {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => "请释放一些磁盘空间。",
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "另一个程序锁住了这个文件；请关闭它。"
        }
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied) => {
            "请检查文件和所在文件夹是否可写。"
        }
        _ => "请检查文件夹是否可写、磁盘是否已满。",
    }
}

fn zh(err: &StoreError) -> String {
    match err {
        StoreError::Open { path, source } => format!(
            "无法打开历史数据库 {path}：{source}。{}",
            next_step_zh(source)
        ),
        StoreError::Newer {
            path,
            found,
            supported,
        } => format!(
            "历史数据库 {path} 由更新版本的 ocrchat 写入（架构版本 {found}；此版本最多读取 {supported}）。文件未被改动：请更新 ocrchat，或把文件移走以开始新的历史。"
        ),
        StoreError::Unexpected { path, detail } => format!(
            "历史数据库 {path} 不是 ocrchat 能使用的：{detail}。文件未被改动：请把它移走以开始新的历史，或恢复备份。"
        ),
        StoreError::Query { source } => {
            format!("历史数据库出错：{source}。{}", next_step_zh(source))
        }
        StoreError::Closed => "历史数据库已关闭".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_reads_in_both_languages() {
        let full = StoreError::Query {
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                Some("database or disk is full".into()),
            ),
        };
        assert!(
            full.text(Lang::En).ends_with("Free some disk space."),
            "{full}"
        );
        let zh = full.text(Lang::Zh);
        assert!(
            zh.starts_with("历史数据库出错：database or disk is full"),
            "{zh}"
        );
        assert!(zh.ends_with("请释放一些磁盘空间。"), "{zh}");
    }
}
