//! The comparison itself: every selected script, every interpreter, several rounds; progress
//! on stderr, tables on stdout.

use crate::cli::{self, Command, Environment, Options};
use crate::discover::{self, Script};
use crate::interpreters::{self, Lineup, Requested, Slot};
use crate::measure::run_script;
use crate::report::{self, Metric, Row};
use crate::tally::{Measured, Tally, Verdict};
use std::env;
use std::io::{self, Write};
use std::process::ExitCode;

/// Entry point of the `compare` binary; `args` excludes the program name.
pub fn run(args: impl IntoIterator<Item = String>) -> ExitCode {
    let environment = Environment {
        lua_under_test: env::var("LUA_UNDER_TEST").ok().filter(|v| !v.is_empty()),
        cargo_target_dir: env::var("CARGO_TARGET_DIR").ok().filter(|v| !v.is_empty()),
    };
    let command = match cli::parse(args, &environment) {
        Ok(command) => command,
        Err(message) => return usage_error(&message),
    };
    let options = match command {
        Command::Help => {
            print_out(&format!("{}\n", cli::USAGE));
            return ExitCode::SUCCESS;
        }
        Command::List(options) => {
            return match selected_scripts(&options) {
                Ok(scripts) => {
                    print_out(
                        &scripts
                            .iter()
                            .map(|s| format!("{}\n", s.name))
                            .collect::<String>(),
                    );
                    ExitCode::SUCCESS
                }
                Err(message) => usage_error(&message),
            };
        }
        Command::Compare(options) => options,
    };
    let scripts = match selected_scripts(&options) {
        Ok(scripts) => scripts,
        Err(message) => return usage_error(&message),
    };
    let requested = Requested {
        ours: options.ours.clone(),
        lua51: options.lua51.clone(),
        luajit: options.luajit.clone(),
    };
    let lineup = interpreters::find_lineup(&requested);
    if lineup[Slot::Ours.index()].is_none() && options.ours_explicit {
        return usage_error(&format!(
            "our interpreter {} was not found",
            options.ours.display()
        ));
    }
    announce(&lineup, &options);

    let rows: Vec<Row> = scripts
        .iter()
        .enumerate()
        .map(|(i, script)| {
            eprint!("[{}/{}] {:<28}", i + 1, scripts.len(), script.name);
            let row = compare_one(script, &lineup, &options);
            eprintln!("{}", progress_summary(&row, time_metric(&options)));
            row
        })
        .collect();

    print_report(&rows, &options);
    let all_good = rows.iter().all(|row| {
        row.verdicts
            .iter()
            .all(|v| matches!(v, Verdict::Agrees(_) | Verdict::Missing))
    });
    if all_good {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("compare: {message}\n(try --help)");
    ExitCode::from(2)
}

fn selected_scripts(options: &Options) -> Result<Vec<Script>, String> {
    let all = discover::find_scripts(&options.scripts)
        .map_err(|err| format!("cannot read {}: {err}", options.scripts.display()))?;
    let picked = discover::select(all, &options.filters);
    if picked.is_empty() {
        return Err(format!(
            "no benchmark under {} matches",
            options.scripts.display()
        ));
    }
    Ok(picked)
}

/// Says on stderr which interpreters take part, and why one is absent.
fn announce(lineup: &Lineup, options: &Options) {
    for slot in Slot::ALL {
        match &lineup[slot.index()] {
            Some(interpreter) => {
                let mut command = interpreter.program.display().to_string();
                for arg in &interpreter.leading_args {
                    command = format!("{command} {arg}");
                }
                eprintln!("{:>12}: {command}", slot.label());
            }
            None if slot == Slot::Ours => eprintln!(
                "{:>12}: not found at {} (build it with `cargo build-static`, or pass --lua); shown as -",
                slot.label(),
                options.ours.display()
            ),
            None if slot == Slot::Lua51 => eprintln!(
                "{:>12}: not installed; shown as -, and outputs cannot be checked",
                slot.label()
            ),
            None => eprintln!("{:>12}: not installed; shown as -", slot.label()),
        }
    }
    eprintln!(
        "best of {} run(s) each, time limit {} s per run",
        options.runs,
        options.timeout.as_secs_f64()
    );
}

/// Runs one script `options.runs` times under each interpreter. Rounds go interpreter by
/// interpreter in turn, so a slow drift of the machine's speed spreads over all of them.
fn compare_one(script: &Script, lineup: &Lineup, options: &Options) -> Row {
    let mut tallies: [Tally; 3] = Default::default();
    for _ in 0..options.runs {
        for slot in Slot::ALL {
            let tally = &mut tallies[slot.index()];
            let Some(interpreter) = &lineup[slot.index()] else {
                continue;
            };
            if tally.has_failed() {
                continue;
            }
            tally.record(
                run_script(interpreter, &script.path, options.timeout),
                options.timeout,
            );
        }
    }
    let reference = tallies[Slot::Lua51.index()].agreed_stdout();
    let verdicts = Slot::ALL.map(|slot| {
        let tally = &tallies[slot.index()];
        match slot {
            Slot::Lua51 => tally.verdict(None),
            _ => tally.verdict(reference),
        }
    });
    Row {
        name: script.name.clone(),
        verdicts,
    }
}

fn time_metric(options: &Options) -> Metric {
    match options.cpu_time {
        true => Metric::CpuTime,
        false => Metric::WallTime,
    }
}

/// One short line per benchmark while the comparison runs.
fn progress_summary(row: &Row, metric: Metric) -> String {
    let seconds = |m: &Measured| {
        metric
            .value(m)
            .map_or("-".to_string(), |v| metric.format(v))
    };
    let parts: Vec<String> = Slot::ALL
        .iter()
        .zip(&row.verdicts)
        .map(|(slot, verdict)| {
            let shown = match verdict {
                Verdict::Missing => "-".to_string(),
                Verdict::Agrees(m) => format!("{}s", seconds(m)),
                Verdict::Mismatch { measured, .. } => format!("{}s MISMATCH", seconds(measured)),
                Verdict::Failed(failure) => failure.tag.to_string(),
            };
            format!("{} {shown}", slot.short_label())
        })
        .collect();
    parts.join("  ")
}

/// Writes to stdout, ignoring a closed pipe (as when piped into `head`).
fn print_out(text: &str) {
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

fn print_report(rows: &[Row], options: &Options) {
    let markdown = options.markdown;
    let heading = |title: &str| match markdown {
        true => format!("\n**{title}**\n\n"),
        false => format!("\n{title}\n\n"),
    };
    let runs = options.runs;
    let metric = time_metric(options);
    let clock = match metric {
        Metric::CpuTime => "CPU time (user + system)",
        _ => "Wall time",
    };
    let mut out = heading(&format!(
        "{clock}, best of {runs} run(s), in seconds (lower is better)"
    ));
    out.push_str(&report::render_table(rows, metric, markdown));
    if report::has_figures(rows, Metric::Memory) {
        out.push_str(&heading(&format!(
            "Peak memory (max RSS over {runs} run(s)), in MiB"
        )));
        out.push_str(&report::render_table(rows, Metric::Memory, markdown));
    }
    let problems = report::render_problems(rows, markdown);
    if !problems.is_empty() {
        out.push_str(&heading(
            "Problems (flagged with ! or a tag above; left out of the geometric means)",
        ));
        out.push_str(&problems);
    }
    print_out(&out);
}
