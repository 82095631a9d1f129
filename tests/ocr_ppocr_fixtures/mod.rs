//! Chinese fixtures for PP-OCR, rendered at test time with `ImageMagick` and Noto Sans CJK SC
//! (both installed by `scripts/setup.sh`) from ground truth written here: a document, a dark
//! screenshot, small UI text, a photo-like page (perspective, blur, noise, JPEG), a two-column
//! page, a product sheet with side labels and a multi-line shop sign. Also where the models
//! are: exactly where `scripts/install-models.sh` put them, or the test fails saying how to
//! install them (CI runs that script, so these tests never skip there).

#![allow(dead_code, reason = "the tests and the benchmark use different parts")]

use std::path::{Path, PathBuf};
use std::process::Command;

use ocrchat::ocr::ppocr::{INSTALL_COMMAND, PpocrModels};

const FONT: &str = "Noto-Sans-CJK-SC";

/// One rendered fixture.
#[derive(Clone, Debug)]
pub struct ZhFixture {
    /// Its name (the file is `<name>.png`, or `.jpg` for the photo).
    pub name: &'static str,
    /// The text in reading order (whitespace is ignored when scoring).
    pub truth: String,
    /// The CER PP-OCR must stay under (measured plus a margin).
    pub max_cer: f64,
    /// Whether Automatic should take it for a photo.
    pub photo: bool,
    /// The rendered file.
    pub path: PathBuf,
}

/// The models, or a panic naming the command that installs them.
pub fn models() -> PpocrModels {
    let models = PpocrModels::locate();
    assert!(
        models.present(),
        "the PP-OCR tests need the models: run `{INSTALL_COMMAND}` (scripts/setup.sh does) — \
         looked in {}",
        models.dir().display()
    );
    models
}

fn magick(args: &[String]) {
    let output = Command::new("convert").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "convert {args:?} failed (run scripts/setup.sh for ImageMagick and fonts-noto-cjk): {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn s(value: &str) -> String {
    value.to_owned()
}

/// The start of a `convert` command: a `size` canvas of `background`, Noto Sans CJK in `fill`.
fn canvas(size: &str, background: &str, fill: &str, points: u32) -> Vec<String> {
    [
        "-size",
        size,
        &format!("xc:{background}"),
        "-font",
        FONT,
        "-fill",
        fill,
        "-pointsize",
        &points.to_string(),
    ]
    .map(s)
    .to_vec()
}

/// `-draw` commands writing `lines` at `x` from `y`, `step` apart.
fn draw_lines(args: &mut Vec<String>, lines: &[&str], x: u32, y: u32, step: u32) {
    for (i, line) in lines.iter().enumerate() {
        args.push(s("-draw"));
        args.push(format!("text {x},{} '{line}'", y + step * i as u32));
    }
}

const DOC: &[&str] = &[
    "第一章 系统概述",
    "本系统用于识别屏幕截图中的文字，并把结果交给模型回答问题。",
    "识别结果包含每个字的位置和置信度，方便用户核对。",
    "如果图片中有表格或者两栏排版，系统会按照阅读顺序输出。",
    "请在设置中选择识别引擎：自动、Tesseract 或 PP-OCR。",
];
const DARK: &[&str] = &[
    "文件 编辑 查看 帮助",
    "正在连接服务器，请稍候……",
    "已保存 3 个附件，共 2.4 MB",
    "错误：网络超时，请检查代理设置后重试",
];
const SMALL: &[&str] = &[
    "用户名",
    "密码",
    "记住我的登录状态",
    "忘记密码？点击这里找回",
    "版本 1.2.0 更新于 2026年3月",
];
const PHOTO: &[&str] = &[
    "会议纪要",
    "时间：下周三上午十点",
    "地点：三楼第二会议室",
    "议题：新版本发布计划和测试安排",
    "请各部门负责人准时参加",
];
const LEFT: &[&str] = &[
    "春天来了，公园里的花都开了。",
    "孩子们在草地上放风筝，",
    "老人们坐在树下聊天。",
    "湖面上有几只小船，",
    "远处传来了鸟叫声。",
];
const RIGHT: &[&str] = &[
    "今天的天气非常晴朗，",
    "气温在二十度左右，",
    "很适合出门散步和运动。",
    "明天可能会下小雨，",
    "出门记得带上雨伞。",
];
const SHEET: &[(&str, &str)] = &[
    ("品名", "无线蓝牙鼠标"),
    ("型号", "M-220 静音版"),
    ("颜色", "石墨黑"),
    ("重量", "约 85 克"),
    ("价格", "人民币 99 元"),
];
const SIGN: &[&str] = &["老王牛肉面", "正宗兰州风味", "营业时间 早七点至晚十点"];

/// Renders every fixture into `dir`.
#[expect(
    clippy::too_many_lines,
    reason = "one ImageMagick command per fixture, read top to bottom"
)]
pub fn render_all(dir: &Path) -> Vec<ZhFixture> {
    let path = |name: &str, ext: &str| dir.join(format!("{name}.{ext}"));
    let mut fixtures = Vec::new();
    let mut page = |name: &'static str,
                    size: &str,
                    colors: (&str, &str),
                    points: u32,
                    lines: &[&str],
                    max_cer: f64| {
        let mut args = canvas(size, colors.0, colors.1, points);
        draw_lines(&mut args, lines, 30, 20 + points, points * 2);
        let file = path(name, "png");
        args.push(file.display().to_string());
        magick(&args);
        fixtures.push(ZhFixture {
            name,
            truth: lines.join("\n"),
            max_cer,
            photo: false,
            path: file,
        });
    };
    page("doc_zh", "900x300", ("white", "#111111"), 22, DOC, 0.05);
    page("dark_zh", "560x220", ("#1e1e1e", "#d4d4d4"), 16, DARK, 0.08);
    page(
        "small_zh",
        "320x200",
        ("#f3f3f3", "#333333"),
        12,
        SMALL,
        0.12,
    );

    // A photo of a printed notice: tinted paper, perspective, blur, noise, JPEG.
    let mut args = canvas("760x420", "#e8e0cc", "#2a2a2a", 30);
    draw_lines(&mut args, PHOTO, 50, 70, 66);
    args.extend(
        [
            "-virtual-pixel",
            "background",
            "-background",
            "#5a5048",
            "-distort",
            "Perspective",
            "0,0 40,30 760,0 730,0 0,420 0,400 760,420 745,420",
            "-blur",
            "0x0.8",
            "-attenuate",
            "0.5",
            "+noise",
            "Gaussian",
            "-quality",
            "80",
        ]
        .map(s),
    );
    let file = path("photo_zh", "jpg");
    args.push(file.display().to_string());
    magick(&args);
    fixtures.push(ZhFixture {
        name: "photo_zh",
        truth: PHOTO.join("\n"),
        max_cer: 0.12,
        photo: true,
        path: file,
    });

    // Two columns whose lines sit on the same rows: the truth is the left column first.
    let mut args = canvas("900x300", "white", "black", 20);
    draw_lines(&mut args, LEFT, 30, 50, 44);
    draw_lines(&mut args, RIGHT, 480, 50, 44);
    let file = path("columns_zh", "png");
    args.push(file.display().to_string());
    magick(&args);
    fixtures.push(ZhFixture {
        name: "columns_zh",
        truth: format!("{}\n{}", LEFT.join("\n"), RIGHT.join("\n")),
        max_cer: 0.08,
        photo: false,
        path: file,
    });

    // A product sheet: gray side labels, values to their right.
    let mut args = vec![
        s("-size"),
        s("620x330"),
        s("xc:white"),
        s("-font"),
        s(FONT),
        s("-pointsize"),
        s("22"),
    ];
    for (i, (label, value)) in SHEET.iter().enumerate() {
        let y = 60 + 56 * i as u32;
        args.extend([s("-fill"), s("#777777"), s("-draw")]);
        args.push(format!("text 30,{y} '{label}'"));
        args.extend([s("-fill"), s("#111111"), s("-draw")]);
        args.push(format!("text 200,{} '{value}'", y + 3));
    }
    let file = path("sheet_zh", "png");
    args.push(file.display().to_string());
    magick(&args);
    fixtures.push(ZhFixture {
        name: "sheet_zh",
        truth: SHEET
            .iter()
            .map(|(label, value)| format!("{label} {value}"))
            .collect::<Vec<_>>()
            .join("\n"),
        max_cer: 0.08,
        photo: false,
        path: file,
    });

    // A shop sign: centred lines of three sizes, yellow on red, with noise.
    let mut args = vec![
        s("-size"),
        s("700x380"),
        s("xc:#b3201c"),
        s("-font"),
        s(FONT),
        s("-fill"),
        s("#ffd84a"),
        s("-gravity"),
        s("north"),
    ];
    for (line, (points, y)) in SIGN.iter().zip([(72, 40), (44, 170), (30, 270)]) {
        args.extend([s("-pointsize"), points.to_string(), s("-draw")]);
        args.push(format!("text 0,{y} '{line}'"));
    }
    args.extend(["-attenuate", "0.6", "+noise", "Gaussian", "-quality", "85"].map(s));
    let file = path("sign_zh", "jpg");
    args.push(file.display().to_string());
    magick(&args);
    fixtures.push(ZhFixture {
        name: "sign_zh",
        truth: SIGN.join("\n"),
        max_cer: 0.1,
        photo: true,
        path: file,
    });
    fixtures
}

/// A 1920×1080 Chinese screenshot (a title bar and 24 lines of text), for the benchmark.
pub fn render_screenshot(dir: &Path) -> PathBuf {
    let mut args = vec![
        s("-size"),
        s("1920x1080"),
        s("xc:white"),
        s("-fill"),
        s("#2b2b2b"),
        s("-draw"),
        s("rectangle 0,0 1920,44"),
        s("-font"),
        s(FONT),
        s("-pointsize"),
        s("18"),
        s("-fill"),
        s("#f0f0f0"),
        s("-draw"),
        s("text 16,30 '笔记 - 阅读顺序与置信度'"),
        s("-fill"),
        s("#202020"),
    ];
    let lines: Vec<String> = (0..24)
        .map(|i| format!("{} {}", DOC[i % DOC.len()], LEFT[i % LEFT.len()]))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    draw_lines(&mut args, &refs, 24, 90, 40);
    let file = dir.join("screen_zh.png");
    args.push(file.display().to_string());
    magick(&args);
    file
}
