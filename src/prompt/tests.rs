use super::*;

fn attachment(name: &str, text: &str, confidence: Option<u32>) -> PromptAttachment {
    PromptAttachment {
        file_name: name.to_owned(),
        ocr_text: text.to_owned(),
        lang: "chi_sim+eng".to_owned(),
        confidence,
    }
}

fn context(attachments: Vec<PromptAttachment>) -> PromptContext {
    PromptContext {
        question: "这是什么？".to_owned(),
        attachments,
    }
}

#[test]
fn chinese_default_places_each_text_between_intro_and_instruction() {
    let prompt = PromptTemplate::default_for("zh-CN")
        .render(&context(vec![
            attachment("a.png", "第一张图的文字", Some(91)),
            attachment("b.png", "second text", None),
        ]))
        .unwrap();
    assert!(
        prompt.starts_with("以下是根据图片提取的文字信息："),
        "{prompt}"
    );
    assert!(
        prompt.contains("【图片 1：a.png（语言 chi_sim+eng，置信度 91%）】\n第一张图的文字"),
        "{prompt}"
    );
    assert!(
        prompt.contains("【图片 2：b.png（语言 chi_sim+eng）】\nsecond text"),
        "no confidence: {prompt}"
    );
    assert!(prompt.contains("请根据上述内容回答用户问题。"), "{prompt}");
    assert!(prompt.ends_with("这是什么？"), "question last: {prompt}");
}

#[test]
fn english_default_and_no_attachments_is_just_the_question() {
    let template = PromptTemplate::default_for("en");
    let prompt = template
        .render(&context(vec![attachment("shot.png", "Hello", Some(88))]))
        .unwrap();
    assert!(
        prompt.starts_with("Here is the text extracted by OCR from the attached image:"),
        "{prompt}"
    );
    assert!(
        prompt.contains("[Image 1: shot.png (language chi_sim+eng, 88% confidence)]\nHello"),
        "{prompt}"
    );
    assert_eq!(
        template.render(&context(Vec::new())).unwrap(),
        "这是什么？",
        "no images: question only"
    );
}

#[test]
fn user_template_with_loop_renders() {
    let template = PromptTemplate::new(
        "{% for a in attachments %}<{{ a.file_name }}|{{ a.lang }}|{{ a.confidence }}>{{ a.ocr_text }}{% endfor %}\nQ: {{ question }}",
    )
    .unwrap();
    let prompt = template
        .render(&context(vec![attachment("x.png", "text", Some(75))]))
        .unwrap();
    assert_eq!(prompt, "<x.png|chi_sim+eng|75>text\nQ: 这是什么？", "exact");
}

#[test]
fn syntax_error_names_the_line() {
    let err =
        PromptTemplate::new("line one\n{% for a in attachments %}\n{{ a.ocr_text }").unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, PromptError::Syntax { .. }), "{message}");
    assert!(message.contains("syntax error on line 3"), "{message}");
    assert!(message.contains("reset it to the default"), "{message}");
}

#[test]
fn misspelt_variable_is_a_clear_render_error() {
    let template = PromptTemplate::new("{{ qestion }}").unwrap();
    let err = template.render(&context(Vec::new())).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, PromptError::Render { .. }), "{message}");
    assert!(message.contains("on line 1"), "{message}");
    assert!(
        message.contains("can use `question` and `attachments`"),
        "{message}"
    );
}

#[test]
fn a_users_template_replaces_the_default_of_its_language() {
    let templates = PromptTemplates {
        zh: None,
        en: Some(
            "Q: {{ question }}{% for a in attachments %} [{{ a.ocr_text }}]{% endfor %}".into(),
        ),
    };
    let english = PromptContext {
        question: "What?".to_owned(),
        attachments: vec![attachment("a.png", "hello", Some(90))],
    };
    assert_eq!(templates.render(&english).unwrap(), "Q: What? [hello]");
    // Chinese questions still get the default Chinese template.
    let chinese = templates.render(&context(vec![attachment("a.png", "x", None)]));
    assert!(
        chinese
            .unwrap()
            .starts_with("以下是根据图片提取的文字信息：")
    );
    // No question: the images' text decides.
    let images_only = PromptContext {
        question: String::new(),
        attachments: vec![attachment("a.png", "中文", None)],
    };
    assert!(
        templates
            .render(&images_only)
            .unwrap()
            .starts_with("以下是")
    );

    assert!(check_template(DEFAULT_ZH).is_ok());
    let typo = check_template("{{ questoin }}").unwrap_err().to_string();
    assert!(typo.contains("could not be filled in"), "{typo}");
    let broken = check_template("{% for a in attachments %}")
        .unwrap_err()
        .to_string();
    assert!(broken.contains("syntax error"), "{broken}");
}
