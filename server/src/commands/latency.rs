//! LATENCY: the latency monitor's events (`crate::latency_monitor`: LATEST, HISTORY, RESET,
//! GRAPH, DOCTOR) and the per-command latency histograms (`crate::latency_histogram`:
//! HISTOGRAM).

use super::{Ctx, Handler};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("latency|latest", latest),
    ("latency|history", history),
    ("latency|reset", reset),
    ("latency|graph", graph),
    ("latency|doctor", doctor),
    ("latency|histogram", latency_histogram),
    ("latency|help", help),
];

/// `[event, time, latest ms, all-time worst ms]` per event.
fn latest(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let events: Vec<(&str, (i64, u64), u64)> = ctx
        .server
        .latency
        .events()
        .map(|(e, s)| (*e, s.latest(), s.max))
        .collect();
    let out = &mut ctx.client.reply;
    out.array(events.len());
    for (event, (time, latency), max) in events {
        out.array(4);
        out.bulk(event.as_bytes());
        out.int(time);
        out.int(latency as i64);
        out.int(max as i64);
    }
}

/// `LATENCY HISTORY event`: `[time, ms]` per sample, oldest first.
fn history(ctx: &mut Ctx, argv: &[&[u8]]) {
    let samples: Vec<(i64, u64)> = ctx
        .server
        .latency
        .series(argv[2])
        .map(|(_, s)| s.in_order().collect())
        .unwrap_or_default();
    let out = &mut ctx.client.reply;
    out.array(samples.len());
    for (time, latency) in samples {
        out.array(2);
        out.int(time);
        out.int(latency as i64);
    }
}

/// `LATENCY RESET [event ...]`: how many events were forgotten.
fn reset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let monitor = &mut ctx.server.latency;
    let forgotten = if argv.len() == 2 {
        monitor.reset(None)
    } else {
        argv[2..].iter().map(|e| monitor.reset(Some(e))).sum()
    };
    ctx.client.reply.int(forgotten as i64);
}

fn graph(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = crate::db::now_ms() / 1000;
    match ctx.server.latency.series(argv[2]) {
        Some((event, series)) => {
            let text = crate::latency_monitor::graph(event, series, now);
            ctx.client.reply.verbatim(text.as_bytes());
        }
        None => {
            let event = String::from_utf8_lossy(argv[2]);
            ctx.client
                .reply
                .error(&format!("ERR No samples available for event '{event}'"));
        }
    }
}

fn doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let settings = &ctx.server.config.settings;
    let context = crate::latency_monitor::DoctorContext {
        threshold: settings.latency_monitor_threshold,
        slowlog_log_slower_than: settings.slowlog_log_slower_than,
        hz: settings.hz,
        anon_huge_pages: anon_huge_pages() > 0,
    };
    let now = crate::db::now_ms() / 1000;
    let report = crate::latency_monitor::doctor(&ctx.server.latency, &context, now);
    ctx.client.reply.verbatim(report.as_bytes());
}

/// Kilobytes of transparent huge pages this process holds (`THPGetAnonHugePagesSize`).
fn anon_huge_pages() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps_rollup") else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix("AnonHugePages:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::LATENCY);
}

/// `LATENCY HISTOGRAM [command ...]`: each command's (or named command's, a container's
/// subcommands included) calls and cumulative latency distribution, for those with data.
fn latency_histogram(ctx: &mut Ctx, argv: &[&[u8]]) {
    let table = &ctx.server.commands;
    let stats = &ctx.server.stats;
    let mut chosen: Vec<std::rc::Rc<str>> = Vec::new();
    if argv.len() == 2 {
        let mut all: Vec<&std::rc::Rc<str>> = stats
            .per_command
            .values()
            .filter(|(_, s)| s.latency.is_some())
            .map(|(name, _)| name)
            .collect();
        all.sort();
        chosen.extend(all.into_iter().cloned());
    } else {
        for name in &argv[2..] {
            let found = match name.iter().position(|&b| b == b'|') {
                Some(bar) => table
                    .describe(&[&name[..bar], &name[bar + 1..]])
                    .ok()
                    .filter(|c| {
                        c.full_name
                            .eq_ignore_ascii_case(&String::from_utf8_lossy(name))
                    }),
                None => table.get(name),
            };
            let Some(command) = found else { continue };
            chosen.push(command.full_name.clone());
            chosen.extend(command.subcommands.values().map(|s| s.full_name.clone()));
        }
    }
    let with_data: Vec<(std::rc::Rc<str>, u64, Vec<(u64, u64)>)> = chosen
        .into_iter()
        .filter_map(|name| {
            let histogram = stats.command(&name)?.latency.as_ref()?;
            Some((name, histogram.total(), histogram.cumulative_usec()))
        })
        .collect();
    let out = &mut ctx.client.reply;
    out.map(with_data.len());
    for (name, calls, bands) in with_data {
        out.bulk(name.as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.int(calls as i64);
        out.bulk(b"histogram_usec");
        out.map(bands.len());
        for (usec, count) in bands {
            out.int(usec as i64);
            out.int(count as i64);
        }
    }
}
