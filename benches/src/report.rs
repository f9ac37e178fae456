//! Turning verdicts into the comparison tables (plain text or Markdown): one row per
//! benchmark, a column per interpreter, ratios against lua5.1 and their geometric means.

use crate::interpreters::Slot;
use crate::tally::{Measured, Verdict};

/// The verdicts of every interpreter on one benchmark, indexed by [`Slot::index`].
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) verdicts: [Verdict; 3],
}

impl Row {
    fn verdict(&self, slot: Slot) -> &Verdict {
        &self.verdicts[slot.index()]
    }
}

/// What a table shows of each measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Metric {
    /// Best wall time, in seconds.
    WallTime,
    /// Best user plus system CPU time, in seconds.
    CpuTime,
    /// Peak resident set size, in MiB.
    Memory,
}

impl Metric {
    pub(crate) fn value(self, measured: &Measured) -> Option<f64> {
        match self {
            Metric::WallTime => Some(measured.best_wall.as_secs_f64()),
            Metric::CpuTime => measured.best_cpu.map(|cpu| cpu.as_secs_f64()),
            Metric::Memory => measured.peak_rss_kib.map(|kib| kib as f64 / 1024.0),
        }
    }

    pub(crate) fn format(self, value: f64) -> String {
        match self {
            Metric::WallTime | Metric::CpuTime => format!("{value:.3}"),
            Metric::Memory => format!("{value:.1}"),
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::WallTime | Metric::CpuTime => "s",
            Metric::Memory => "MiB",
        }
    }
}

/// The slots whose ratio to lua5.1 gets a column.
const RATIOS: [Slot; 2] = [Slot::Ours, Slot::LuaJit];

/// Whether any row has a figure for `metric` (memory is unknown on some platforms).
pub(crate) fn has_figures(rows: &[Row], metric: Metric) -> bool {
    rows.iter().any(|row| {
        row.verdicts
            .iter()
            .any(|v| measured(v).and_then(|m| metric.value(m)).is_some())
    })
}

/// Renders the table of `metric` for `rows`, with a geometric-mean row at the bottom.
pub(crate) fn render_table(rows: &[Row], metric: Metric, markdown: bool) -> String {
    let mut header = vec!["benchmark".to_string()];
    header.extend(
        Slot::ALL
            .iter()
            .map(|s| format!("{} ({})", s.label(), metric.unit())),
    );
    header.extend(RATIOS.iter().map(|s| format!("{}/lua5.1", s.short_label())));

    let mut body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            cells.extend(
                Slot::ALL
                    .iter()
                    .map(|&s| value_cell(row.verdict(s), metric)),
            );
            cells.extend(RATIOS.iter().map(|&s| ratio_cell(row, s, metric)));
            cells
        })
        .collect();

    let mut footer = vec!["geometric mean".to_string()];
    footer.extend(Slot::ALL.iter().map(|_| String::new()));
    footer.extend(RATIOS.iter().map(|&s| geomean_cell(rows, s, metric)));
    body.push(footer);

    if markdown {
        render_markdown(&header, &body)
    } else {
        render_text(&header, &body)
    }
}

/// Lines explaining every mismatch and failure, loud enough to be noticed under the table.
pub(crate) fn render_problems(rows: &[Row], markdown: bool) -> String {
    let mut out = String::new();
    for row in rows {
        for slot in Slot::ALL {
            let (tag, detail) = match row.verdict(slot) {
                Verdict::Mismatch { expected, got, .. } => (
                    "MISMATCH",
                    format!("expected {expected} (lua5.1), got {got}"),
                ),
                Verdict::Failed(failure) => (failure.tag, failure.detail.clone()),
                Verdict::Missing | Verdict::Agrees(_) => continue,
            };
            let (name, label) = (&row.name, slot.label());
            out.push_str(&match markdown {
                true => format!("- **{tag}** `{name}` under {label}: {detail}\n"),
                false => format!("!! {tag} {name} under {label}: {detail}\n"),
            });
        }
    }
    out
}

fn measured(verdict: &Verdict) -> Option<&Measured> {
    match verdict {
        Verdict::Agrees(m) | Verdict::Mismatch { measured: m, .. } => Some(m),
        Verdict::Missing | Verdict::Failed(_) => None,
    }
}

fn value_cell(verdict: &Verdict, metric: Metric) -> String {
    let shown = |m: &Measured| {
        metric
            .value(m)
            .map_or("-".to_string(), |v| metric.format(v))
    };
    match verdict {
        Verdict::Missing => "-".to_string(),
        Verdict::Agrees(m) => shown(m),
        // The figure is kept, but flagged: it timed a program that computed something else.
        Verdict::Mismatch { measured, .. } => format!("{}!", shown(measured)),
        Verdict::Failed(failure) => failure.tag.to_string(),
    }
}

/// `slot`'s figure divided by lua5.1's, when both ran and agree on the output.
fn ratio(row: &Row, slot: Slot, metric: Metric) -> Option<f64> {
    let (Verdict::Agrees(ours), Verdict::Agrees(reference)) =
        (row.verdict(slot), row.verdict(Slot::Lua51))
    else {
        return None;
    };
    let (value, base) = (metric.value(ours)?, metric.value(reference)?);
    (base > 0.0).then(|| value / base)
}

fn ratio_cell(row: &Row, slot: Slot, metric: Metric) -> String {
    if let Verdict::Mismatch { .. } = row.verdict(slot) {
        return "MISMATCH".to_string();
    }
    ratio(row, slot, metric).map_or("-".to_string(), |r| format!("{r:.2}"))
}

/// The geometric mean of the ratios that exist; says over how many rows when some are absent.
fn geomean_cell(rows: &[Row], slot: Slot, metric: Metric) -> String {
    let ratios: Vec<f64> = rows
        .iter()
        .filter_map(|row| ratio(row, slot, metric))
        .collect();
    let Some(mean) = geometric_mean(&ratios) else {
        return "-".to_string();
    };
    match ratios.len() == rows.len() {
        true => format!("{mean:.2}"),
        false => format!("{mean:.2} ({} of {})", ratios.len(), rows.len()),
    }
}

fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let log_sum: f64 = values.iter().map(|v| v.ln()).sum();
    Some((log_sum / values.len() as f64).exp())
}

/// Column-aligned text: names left-aligned, figures right-aligned.
fn render_text(header: &[String], body: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| match i {
                0 => format!("{cell:<w$}"),
                _ => format!("{cell:>w$}"),
            })
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    let mut out = line(header);
    out.push_str(&line(&rule));
    let (footer, rows) = body
        .split_last()
        .map_or((None, body), |(f, r)| (Some(f), r));
    for row in rows {
        out.push_str(&line(row));
    }
    if let Some(footer) = footer {
        out.push_str(&line(&rule));
        out.push_str(&line(footer));
    }
    out
}

fn render_markdown(header: &[String], body: &[Vec<String>]) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = line(header);
    let alignments: Vec<String> = (0..header.len())
        .map(|i| if i == 0 { ":--" } else { "--:" }.to_string())
        .collect();
    out.push_str(&line(&alignments));
    let last = body.len().saturating_sub(1);
    for (i, row) in body.iter().enumerate() {
        if i == last {
            // Bold the summary row so it stands apart without a rule.
            let bold: Vec<String> = row
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        String::new()
                    } else {
                        format!("**{c}**")
                    }
                })
                .collect();
            out.push_str(&line(&bold));
        } else {
            out.push_str(&line(row));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::Failure;
    use std::time::Duration;

    fn agrees(ms: u64, kib: u64) -> Verdict {
        Verdict::Agrees(Measured {
            best_wall: Duration::from_millis(ms),
            best_cpu: Some(Duration::from_millis(ms / 2)),
            peak_rss_kib: Some(kib),
        })
    }

    fn sample_rows() -> Vec<Row> {
        let mismatch = Verdict::Mismatch {
            measured: Measured {
                best_wall: Duration::from_millis(300),
                best_cpu: None,
                peak_rss_kib: Some(2048),
            },
            expected: "\"1\"".to_string(),
            got: "\"2\"".to_string(),
        };
        let failed = Verdict::Failed(Failure {
            tag: "TIMEOUT",
            detail: "timed out after 60 s".to_string(),
        });
        vec![
            Row {
                name: "a/one".into(),
                verdicts: [agrees(2000, 4096), agrees(1000, 2048), agrees(500, 1024)],
            },
            Row {
                name: "a/two".into(),
                verdicts: [agrees(4000, 2048), agrees(500, 2048), Verdict::Missing],
            },
            Row {
                name: "b/three".into(),
                verdicts: [mismatch, agrees(1000, 1024), failed],
            },
        ]
    }

    #[test]
    fn geometric_mean_of_ratios() {
        assert_eq!(geometric_mean(&[2.0, 8.0]), Some(4.0));
        assert_eq!(geometric_mean(&[]), None);
        assert_eq!(geometric_mean(&[1.0, 0.0]), None);
    }

    #[test]
    fn text_table_flags_mismatches_and_leaves_them_out_of_the_mean() {
        let table = render_table(&sample_rows(), Metric::WallTime, false);
        let expected = "\
benchmark       ours (s)  lua5.1 (s)  luajit -joff (s)    ours/lua5.1  luajit/lua5.1
--------------  --------  ----------  ----------------  -------------  -------------
a/one              2.000       1.000             0.500           2.00           0.50
a/two              4.000       0.500                 -           8.00              -
b/three           0.300!       1.000           TIMEOUT       MISMATCH              -
--------------  --------  ----------  ----------------  -------------  -------------
geometric mean                                          4.00 (2 of 3)  0.50 (1 of 3)
";
        assert_eq!(table, expected);
    }

    #[test]
    fn markdown_memory_table() {
        let table = render_table(&sample_rows(), Metric::Memory, true);
        let expected = "\
| benchmark | ours (MiB) | lua5.1 (MiB) | luajit -joff (MiB) | ours/lua5.1 | luajit/lua5.1 |
| :-- | --: | --: | --: | --: | --: |
| a/one | 4.0 | 2.0 | 1.0 | 2.00 | 0.50 |
| a/two | 2.0 | 2.0 | - | 1.00 | - |
| b/three | 2.0! | 1.0 | TIMEOUT | MISMATCH | - |
| **geometric mean** |  |  |  | **1.41 (2 of 3)** | **0.50 (1 of 3)** |
";
        assert_eq!(table, expected);
        assert!(has_figures(&sample_rows(), Metric::Memory));
    }

    #[test]
    fn cpu_time_table_shows_dashes_where_the_platform_gave_no_figure() {
        let table = render_table(&sample_rows(), Metric::CpuTime, true);
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows[0], "| a/one | 1.000 | 0.500 | 0.250 | 2.00 | 0.50 |");
        assert_eq!(rows[2], "| b/three | -! | 0.500 | TIMEOUT | MISMATCH | - |");
    }

    #[test]
    fn problems_are_listed_by_benchmark_and_interpreter() {
        let text = render_problems(&sample_rows(), false);
        let expected = "\
!! MISMATCH b/three under ours: expected \"1\" (lua5.1), got \"2\"
!! TIMEOUT b/three under luajit -joff: timed out after 60 s
";
        assert_eq!(text, expected);
        let markdown = render_problems(&sample_rows(), true);
        assert!(markdown.starts_with("- **MISMATCH** `b/three` under ours: expected"));
    }
}
