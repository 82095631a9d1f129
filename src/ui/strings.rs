//! Every string the window shows, in English and Chinese, in one table.
//! Labels follow one rule set: no final period on a one-sentence label, "…" on a button that
//! opens a dialog, no colon on a label.

/// The language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// From `OCRCHAT_LANG`, else `LC_ALL`/`LC_MESSAGES`/`LANG` (`zh…` picks Chinese).
    pub fn from_env() -> Self {
        let value = ["OCRCHAT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default();
        if value.to_ascii_lowercase().starts_with("zh") {
            Self::Zh
        } else {
            Self::En
        }
    }

    /// The table for this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Self::En => &EN,
            Self::Zh => &ZH,
        }
    }
}

/// The strings of one language.
#[allow(missing_docs)] // Each field's name says what it labels.
pub struct Strings {
    pub new_chat: &'static str,
    pub settings: &'static str,
    pub about: &'static str,
    pub history: &'static str,
    pub no_conversations: &'static str,
    pub delete_conversation: &'static str,
    pub welcome_title: &'static str,
    pub welcome_body: &'static str,
    pub providers: &'static str,
    pub preset: &'static str,
    pub name: &'static str,
    pub base_url: &'static str,
    pub model: &'static str,
    pub api_key: &'static str,
    pub api_key_hint_stored: &'static str,
    pub api_key_hint_new: &'static str,
    pub api_key_not_needed: &'static str,
    pub save_provider: &'static str,
    pub add_provider: &'static str,
    pub edit: &'static str,
    pub remove: &'static str,
    pub use_provider: &'static str,
    pub active: &'static str,
    pub key_stored: &'static str,
    pub key_missing: &'static str,
    pub key_checking: &'static str,
    pub key_unavailable: &'static str,
    pub close: &'static str,
    pub cancel: &'static str,
    pub message_input: &'static str,
    pub composer_hint: &'static str,
    pub send: &'static str,
    pub stop: &'static str,
    pub stop_hint: &'static str,
    pub you: &'static str,
    pub assistant: &'static str,
    pub thinking: &'static str,
    pub waiting: &'static str,
    pub stopped_note: &'static str,
    pub truncated_note: &'static str,
    pub interrupted_note: &'static str,
    pub failed_note: &'static str,
    pub retrying: &'static str,
    pub dotenv_found: &'static str,
    pub dotenv_key_left: &'static str,
    pub remove_key_line: &'static str,
    pub import: &'static str,
    pub dismiss: &'static str,
    pub empty_chat: &'static str,
    pub no_cjk_font: &'static str,
    pub provider_label: &'static str,
    pub copy: &'static str,
    pub copy_hint: &'static str,
    pub retry_button: &'static str,
    pub retry_hint: &'static str,
    pub continue_button: &'static str,
    pub continue_hint: &'static str,
}

const EN: Strings = Strings {
    new_chat: "New chat",
    settings: "Settings…",
    about: "About…",
    history: "History",
    no_conversations: "No conversations yet",
    delete_conversation: "Delete conversation",
    welcome_title: "Welcome to ocrchat",
    welcome_body: "Add a provider to start. Its API key is kept in your system keyring, never in a file.",
    providers: "Providers",
    preset: "Preset",
    name: "Name",
    base_url: "Base URL",
    model: "Model",
    api_key: "API key",
    api_key_hint_stored: "Stored in the keyring; type to replace",
    api_key_hint_new: "Paste the key (kept in the system keyring)",
    api_key_not_needed: "Not needed for a local server",
    save_provider: "Save provider",
    add_provider: "Add provider",
    edit: "Edit",
    remove: "Remove",
    use_provider: "Use",
    active: "active",
    key_stored: "key in keyring",
    key_missing: "no key",
    key_checking: "checking the keyring…",
    key_unavailable: "keyring unavailable",
    close: "Close",
    cancel: "Cancel",
    message_input: "Message",
    composer_hint: "Ask anything. Enter sends, Shift+Enter adds a line",
    send: "Send",
    stop: "Stop",
    stop_hint: "Stop the reply (Esc); what arrived is kept",
    you: "You",
    assistant: "Assistant",
    thinking: "Thinking",
    waiting: "Waiting for the reply…",
    stopped_note: "Stopped. The partial reply is kept",
    truncated_note: "The reply was cut off by the token limit (finish_reason: length)",
    interrupted_note: "ocrchat closed while this reply was streaming. The text so far is kept",
    failed_note: "The reply failed",
    retrying: "Retrying",
    dotenv_found: "A .env file offers a provider",
    dotenv_key_left: "The key is now in the keyring, but its plaintext copy is still in",
    remove_key_line: "Remove the API_KEY line",
    import: "Import",
    dismiss: "Dismiss",
    empty_chat: "Ask a question to start",
    no_cjk_font: "No Chinese font was found, so Chinese text may show as boxes. Install fonts-noto-cjk or set OCRCHAT_CJK_FONT",
    provider_label: "Provider",
    copy: "Copy",
    copy_hint: "Copy the reply as Markdown",
    retry_button: "Retry",
    retry_hint: "Ask again; this reply is kept above the new one",
    continue_button: "Continue",
    continue_hint: "Ask the model to go on from where this reply was cut off",
};

const ZH: Strings = Strings {
    new_chat: "新对话",
    settings: "设置…",
    about: "关于…",
    history: "历史",
    no_conversations: "还没有对话",
    delete_conversation: "删除对话",
    welcome_title: "欢迎使用 ocrchat",
    welcome_body: "先添加一个服务商。API 密钥保存在系统钥匙串中，不会写入文件。",
    providers: "服务商",
    preset: "预设",
    name: "名称",
    base_url: "接口地址",
    model: "模型",
    api_key: "API 密钥",
    api_key_hint_stored: "已存于钥匙串；输入以替换",
    api_key_hint_new: "粘贴密钥（保存在系统钥匙串）",
    api_key_not_needed: "本地服务无需密钥",
    save_provider: "保存服务商",
    add_provider: "添加服务商",
    edit: "编辑",
    remove: "删除",
    use_provider: "使用",
    active: "当前",
    key_stored: "密钥已存",
    key_missing: "无密钥",
    key_checking: "正在查询钥匙串…",
    key_unavailable: "钥匙串不可用",
    close: "关闭",
    cancel: "取消",
    message_input: "消息",
    composer_hint: "输入问题。Enter 发送，Shift+Enter 换行",
    send: "发送",
    stop: "停止",
    stop_hint: "停止回复（Esc），保留已收到的内容",
    you: "你",
    assistant: "助手",
    thinking: "思考过程",
    waiting: "等待回复…",
    stopped_note: "已停止，保留了部分回复",
    truncated_note: "回复因长度上限被截断（finish_reason: length）",
    interrupted_note: "回复生成时 ocrchat 被关闭，已保留现有内容",
    failed_note: "回复失败",
    retrying: "正在重试",
    dotenv_found: ".env 文件中有一个服务商配置",
    dotenv_key_left: "密钥已存入系统钥匙串，但明文副本仍在",
    remove_key_line: "删除 API_KEY 这一行",
    import: "导入",
    dismiss: "忽略",
    empty_chat: "提个问题开始对话",
    no_cjk_font: "未找到中文字体，中文可能显示为方框。请安装 fonts-noto-cjk 或设置 OCRCHAT_CJK_FONT",
    provider_label: "服务商",
    copy: "复制",
    copy_hint: "以 Markdown 复制回复",
    retry_button: "重试",
    retry_hint: "重新提问；这条回复会保留在新回复之上",
    continue_button: "继续",
    continue_hint: "让模型从这条回复中断的地方接着写",
};
