use super::*;

fn entry(id: i64, role: Role, content: &str) -> HistoryEntry {
    HistoryEntry::new(MessageId(id), ChatMessage::text(role, content))
}

fn sent(cut: &RequestCut) -> Vec<(Role, &str)> {
    cut.messages
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect()
}

/// `turns` question/answer pairs of `chars` characters each, ids from 1.
fn long_history(turns: i64, chars: usize) -> Vec<HistoryEntry> {
    (0..turns)
        .flat_map(|t| {
            [
                entry(
                    2 * t + 1,
                    Role::User,
                    &format!("q{t} {}", "x".repeat(chars)),
                ),
                entry(
                    2 * t + 2,
                    Role::Assistant,
                    &format!("a{t} {}", "y".repeat(chars)),
                ),
            ]
        })
        .collect()
}

#[test]
fn estimates_latin_at_four_characters_and_cjk_at_one_per_token() {
    assert_eq!(estimate_tokens(""), 0);
    assert_eq!(estimate_tokens("abcd"), 1);
    assert_eq!(estimate_tokens("abcde"), 2);
    assert_eq!(estimate_tokens(&"word ".repeat(800)), 1000);
    assert_eq!(estimate_tokens("你好世界"), 4);
    // Mixed: 2 ideographs + 8 other characters.
    assert_eq!(estimate_tokens("中文 and abc"), 2 + 2);
}

#[test]
fn the_budget_is_the_window_less_the_reply() {
    assert_eq!(history_budget(32_768, Some(1_000)), 31_768);
    assert_eq!(history_budget(32_768, None), 32_768 - 4_096);
    assert_eq!(history_budget(2_000, None), 1_500);
    assert_eq!(history_budget(100, Some(500)), 0);
}

#[test]
fn everything_goes_when_it_fits_and_nothing_is_marked() {
    let history = long_history(3, 10);
    let cut = cut_history(&history[..5], Some("sys"), 10_000, false);
    assert_eq!(cut.first_sent, None);
    assert_eq!(cut.messages.len(), 6, "system + 5: {:?}", sent(&cut));
    assert_eq!(cut.messages[0].role, Role::System);
}

#[test]
fn oldest_turns_are_dropped_whole_and_the_newest_question_stays() {
    // Each message is ~100 tokens (+4 framing); 10 turns, then a new question.
    let mut history = long_history(10, 400);
    history.push(entry(21, Role::User, "newest question"));
    let per_turn = history[0].tokens + history[1].tokens;
    let system_cost = message_tokens(&ChatMessage::text(Role::System, "sys"));
    let budget = system_cost + history[20].tokens + 3 * per_turn + per_turn / 2;
    let cut = cut_history(&history, Some("sys"), budget, false);
    let sent = sent(&cut);
    // System, the 3 newest whole turns, the question: never half a turn.
    assert_eq!(sent.len(), 1 + 6 + 1, "{sent:?}");
    assert_eq!(sent[0], (Role::System, "sys"));
    assert!(sent[1].1.starts_with("q7 "), "{:?}", sent[1]);
    assert!(sent[6].1.starts_with("a9 "), "{:?}", sent[6]);
    assert_eq!(sent[7], (Role::User, "newest question"));
    assert_eq!(cut.first_sent, Some(MessageId(15)));
}

#[test]
fn the_newest_question_and_system_go_even_when_they_alone_are_too_long() {
    let mut history = long_history(2, 40);
    history.push(entry(5, Role::User, &"z".repeat(10_000)));
    let cut = cut_history(&history, Some("sys"), 10, false);
    assert_eq!(cut.messages.len(), 2, "{:?}", sent(&cut));
    assert_eq!(cut.messages[1].content.len(), 10_000);
    assert_eq!(cut.first_sent, Some(MessageId(5)));
}

#[test]
fn retried_replies_count_once_blank_ones_never_and_the_retried_one_is_left_out() {
    let history = vec![
        entry(1, Role::User, "q1"),
        entry(2, Role::Assistant, "partial"),
        entry(3, Role::Assistant, "full answer"),
        entry(7, Role::Assistant, " \n"),
        entry(4, Role::User, "q2"),
        entry(5, Role::Assistant, ""),
        entry(6, Role::Assistant, "cut"),
    ];
    let cut = cut_history(&history, Some("be brief"), 10_000, false);
    assert_eq!(
        sent(&cut),
        [
            (Role::System, "be brief"),
            (Role::User, "q1"),
            (Role::Assistant, "full answer"),
            (Role::User, "q2"),
        ]
    );
    assert_eq!(cut.first_sent, None);
}

#[test]
fn continuing_keeps_the_cut_off_reply_last_with_its_question() {
    let mut history = long_history(5, 400);
    history.push(entry(11, Role::User, "q"));
    history.push(entry(12, Role::Assistant, "cut off mid"));
    let budget = history[10].tokens + history[11].tokens + history[8].tokens + history[9].tokens;
    let cut = cut_history(&history, None, budget, true);
    assert_eq!(
        sent(&cut).last(),
        Some(&(Role::Assistant, "cut off mid")),
        "{:?}",
        sent(&cut)
    );
    assert_eq!(cut.messages.len(), 4);
    assert_eq!(cut.first_sent, Some(MessageId(9)));
}

#[test]
fn two_questions_in_a_row_are_separate_turns() {
    // A question whose reply failed empty, then another question.
    let history = vec![
        entry(1, Role::User, &"a".repeat(400)),
        entry(2, Role::Assistant, ""),
        entry(3, Role::User, "again"),
    ];
    let cut = cut_history(&history, None, history[2].tokens + 5, false);
    assert_eq!(sent(&cut), [(Role::User, "again")]);
    assert_eq!(cut.first_sent, Some(MessageId(3)));
}

#[test]
fn windows_read_as_people_write_them() {
    assert_eq!(window_label(32_768), "32k");
    assert_eq!(window_label(128_000), "128k");
    assert_eq!(window_label(131_072), "128k");
    assert_eq!(window_label(2_000), "2k");
    assert_eq!(window_label(1_500), "1500");
}
