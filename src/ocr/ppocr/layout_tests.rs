use super::*;

fn tb(text: &str, left: u32, top: u32, width: u32, height: u32) -> TextBox {
    TextBox {
        text: text.to_owned(),
        bbox: OcrBox {
            left,
            top,
            width,
            height,
        },
        confidence: 90.0,
    }
}

fn lines(blocks: &[OcrBlock]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|block| block.lines.iter().map(|line| line.text.clone()))
        .collect()
}

#[test]
fn two_column_page_reads_the_title_then_each_column_down() {
    // A title across both columns, then two columns whose rows line up exactly, given in
    // the detector's usual top-to-bottom order, which interleaves the columns.
    let mut boxes = vec![tb("标题", 100, 10, 600, 40)];
    for row in 0..4 {
        let top = 80 + row * 40;
        boxes.push(tb(&format!("左{row}"), 20, top, 340, 30));
        boxes.push(tb(&format!("右{row}"), 420, top, 340, 30));
    }
    let blocks = reading_order(boxes);
    assert_eq!(
        lines(&blocks),
        [
            "标题", "左0", "左1", "左2", "左3", "右0", "右1", "右2", "右3"
        ],
        "title, left column, right column"
    );
}

#[test]
fn product_sheet_keeps_each_side_label_with_its_value() {
    // Narrow labels on the left, values on the right, the value boxes slightly lower than
    // their labels (as a detector returns them); the detector's order puts the values first.
    let rows = [
        ("品名", "无线鼠标"),
        ("型号", "M-220"),
        ("颜色", "石墨黑"),
        ("价格", "¥99"),
    ];
    let mut boxes = Vec::new();
    for (i, (label, value)) in rows.iter().enumerate() {
        let top = 30 + i as u32 * 50;
        boxes.push(tb(value, 160, top + 4, 300, 30));
        boxes.push(tb(label, 20, top, 80, 30));
    }
    let blocks = reading_order(boxes);
    assert_eq!(
        lines(&blocks),
        ["品名 无线鼠标", "型号 M-220", "颜色 石墨黑", "价格 ¥99"],
        "each label on its value's line"
    );
}

#[test]
fn multi_line_sign_reads_top_to_bottom_even_with_centred_tilted_lines() {
    // Centred lines of different widths; the second is tilted so its box starts higher on
    // the left than the first line's bottom, and the detector lists them bottom-up.
    let boxes = vec![
        tb("营业时间", 120, 190, 160, 40),
        tb("欢迎光临", 60, 80, 280, 70),
        tb("老王面馆", 40, 10, 320, 80),
    ];
    let blocks = reading_order(boxes);
    assert_eq!(
        lines(&blocks),
        ["老王面馆", "欢迎光临", "营业时间"],
        "top to bottom"
    );
}

#[test]
fn a_tall_vertical_line_stays_one_piece() {
    let blocks = reading_order(vec![tb("竖排文字", 10, 10, 40, 200)]);
    assert_eq!(lines(&blocks), ["竖排文字"], "one line");
    assert_eq!(blocks[0].lines[0].words.len(), 4, "a word per character");
}

#[test]
fn words_split_cjk_per_character_and_latin_at_spaces_with_boxes_inside_the_line() {
    let text_box = tb("价格 price 99元", 100, 50, 300, 30);
    let words = words_of(&text_box);
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["价", "格", "price", "99", "元"], "word split");
    for pair in words.windows(2) {
        assert!(
            pair[0].bbox.left < pair[1].bbox.left,
            "left to right: {pair:?}"
        );
    }
    for word in &words {
        assert!(
            word.bbox.left >= 100 && word.bbox.left + word.bbox.width <= 400,
            "{word:?}"
        );
        assert!(
            (word.confidence - 90.0).abs() < f32::EPSILON,
            "line confidence"
        );
    }
}

#[test]
fn empty_boxes_and_blank_text_are_dropped() {
    let blocks = reading_order(vec![tb("  ", 0, 0, 10, 10), tb("字", 0, 0, 0, 10)]);
    assert!(blocks.is_empty(), "{blocks:?}");
}
