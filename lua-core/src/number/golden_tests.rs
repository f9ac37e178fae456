//! Table-driven comparisons with lua5.1's own output, recorded by `testdata/make_golden.sh`.

use super::{format_float, format_number, str_to_number, FormatSpec};

const PRINT_GOLDEN: &str = include_str!("testdata/print.golden");
const FORMAT_GOLDEN: &str = include_str!("testdata/format.golden");

/// A number written as `%.17g` (or `inf`, `-nan`, ...) in a golden file. The standard library's
/// parser names finite values independently of ours; both must agree.
fn golden_number(text: &str) -> f64 {
    let ours = str_to_number(text.as_bytes());
    let value = ours.unwrap_or_else(|| panic!("golden number {text:?} does not parse"));
    if value.is_finite() {
        let std_value: f64 = text.parse().unwrap_or(f64::NAN);
        assert_eq!(value.to_bits(), std_value.to_bits(), "parsing {text:?}");
    }
    value
}

/// `%flags width .precision conversion`, as in the golden file's first column.
fn golden_spec(text: &str) -> FormatSpec {
    let bytes = text.as_bytes();
    assert_eq!(bytes.first(), Some(&b'%'), "format {text:?}");
    let (flags, width, precision, conversion, end) = super::printf::scan_spec(&bytes[1..]);
    assert_eq!(end + 2, bytes.len(), "format {text:?}");
    FormatSpec {
        flags,
        width,
        precision,
        conversion: conversion.unwrap_or_else(|| panic!("format {text:?}")),
    }
}

#[test]
fn print_matches_lua51() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in PRINT_GOLDEN.lines() {
        let (input, expected) = line.split_once('\t').expect("two columns");
        let mut out = Vec::new();
        format_number(golden_number(input), &mut out);
        if out != expected.as_bytes() {
            failures.push(format!(
                "{input}: got {}, lua5.1 {expected}",
                String::from_utf8_lossy(&out)
            ));
        }
        count += 1;
    }
    assert!(count > 700, "golden file too short");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn string_format_matches_lua51() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in FORMAT_GOLDEN.lines() {
        let mut columns = line.splitn(3, '\t');
        let (Some(format), Some(input), Some(expected)) =
            (columns.next(), columns.next(), columns.next())
        else {
            panic!("three columns in {line:?}");
        };
        let mut out = Vec::new();
        format_float(&mut out, golden_number(input), &golden_spec(format));
        if out != expected.as_bytes() {
            failures.push(format!(
                "{format} of {input}: got {:?}, lua5.1 {expected:?}",
                String::from_utf8_lossy(&out)
            ));
        }
        count += 1;
    }
    assert!(count > 3000, "golden file too short");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the parser reads back from our own output is the number printed, to 14 digits.
#[test]
fn printed_numbers_read_back() {
    for line in PRINT_GOLDEN.lines() {
        let (input, printed) = line.split_once('\t').expect("two columns");
        let value = golden_number(input);
        let again = str_to_number(printed.as_bytes()).expect("printed form parses");
        let mut first = Vec::new();
        let mut second = Vec::new();
        format_number(value, &mut first);
        format_number(again, &mut second);
        assert_eq!(first, second, "{input}");
    }
}
