//! OCR benchmarks (written below).

fn main() {}
