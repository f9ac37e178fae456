//! Client-side caching (`CLIENT TRACKING`), as Redis 7.0's `tracking.c` keeps it: which
//! clients may hold which keys, each tracking client's mode, the prefixes of clients in
//! broadcast mode, and the invalidation messages a change produces.
//!
//! Keys are tracked by name across databases, as in Redis. The keyspace calls [`invalidate`]
//! on every change to a key and [`flushed`] when databases are emptied; the messages wait in
//! [`Tracking::outbox`] until the server delivers them after the command (to the client that
//! ran it, after its reply, as Redis defers those), and broadcast-mode messages wait in their
//! prefix until the event loop's turn ends ([`Tracking::take_broadcasts`]).
//!
//! [`invalidate`]: Tracking::invalidate
//! [`flushed`]: Tracking::flushed

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How one client tracks (`CLIENT TRACKING on` and its options).
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// The client that receives this one's messages (`REDIRECT`), 0 for itself.
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// `CLIENT CACHING yes|no` was given for the next command.
    pub caching: bool,
    /// The redirect target went away.
    pub broken_redirect: bool,
    /// Broadcast prefixes, in byte order.
    pub prefixes: BTreeSet<Vec<u8>>,
}

/// What an invalidation message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalidation {
    /// These keys changed.
    Keys(Vec<Vec<u8>>),
    /// Every key may have changed (a flush): a null in place of the keys.
    All,
}

/// A prefix of clients in broadcast mode: its clients, and the keys changed this turn with
/// the client that changed each last (0 for none), for `NOLOOP`.
#[derive(Debug, Default)]
struct Broadcast {
    keys: BTreeMap<Vec<u8>, u64>,
    clients: BTreeSet<u64>,
}

#[derive(Debug, Default)]
pub struct Tracking {
    /// Key name -> the clients that read it while tracking.
    table: HashMap<Vec<u8>, BTreeSet<u64>>,
    /// Entries across the table (`tracking_total_items`).
    items: u64,
    /// Every client with tracking on.
    modes: crate::util::IdMap<Mode>,
    prefixes: BTreeMap<Vec<u8>, Broadcast>,
    /// The client whose command is running (0 in the periodic task): `NOLOOP` skips it.
    pub current: u64,
    /// Messages for clients, in the order the changes happened.
    pub outbox: Vec<(u64, Invalidation)>,
}

/// Why `CLIENT TRACKING on` was refused.
pub type Refusal = String;

impl Tracking {
    pub fn mode(&self, client: u64) -> Option<&Mode> {
        self.modes.get(&client)
    }

    pub fn mode_mut(&mut self, client: u64) -> Option<&mut Mode> {
        self.modes.get_mut(&client)
    }

    /// Clients with tracking on (`tracking_clients`).
    pub fn client_count(&self) -> usize {
        self.modes.len()
    }

    /// (`tracking_total_keys`, `tracking_total_items`, `tracking_total_prefixes`).
    pub fn totals(&self) -> (usize, u64, usize) {
        (self.table.len(), self.items, self.prefixes.len())
    }

    /// `CLIENT TRACKING on` with `options` and the `prefixes` given, in argument order: checks
    /// them against each other and the client's current mode as Redis does, then enables.
    pub fn enable(
        &mut self,
        client: u64,
        options: Mode,
        prefixes: &[Vec<u8>],
    ) -> Result<(), Refusal> {
        if !options.bcast && !prefixes.is_empty() {
            return Err("ERR PREFIX option requires BCAST mode to be enabled".into());
        }
        let current = self.modes.get(&client);
        if current.is_some_and(|m| m.bcast != options.bcast) {
            return Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.".into());
        }
        if options.bcast && (options.optin || options.optout) {
            return Err("ERR OPTIN and OPTOUT are not compatible with BCAST".into());
        }
        if options.optin && options.optout {
            return Err("ERR You can't specify both OPTIN mode and OPTOUT mode".into());
        }
        if current.is_some_and(|m| (options.optin && m.optout) || (options.optout && m.optin)) {
            return Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.".into());
        }
        if options.bcast {
            check_prefix_collisions(current, prefixes)?;
        }
        let mode = self.modes.entry(client).or_default();
        // Enabling again keeps the prefixes and the CACHING flag, and resets the rest.
        mode.redirect = options.redirect;
        mode.broken_redirect = false;
        mode.bcast = options.bcast;
        mode.optin = options.optin;
        mode.optout = options.optout;
        mode.noloop = options.noloop;
        if options.bcast {
            let wanted: Vec<Vec<u8>> = if prefixes.is_empty() {
                vec![Vec::new()]
            } else {
                prefixes.to_vec()
            };
            for prefix in wanted {
                let state = self.prefixes.entry(prefix.clone()).or_default();
                if state.clients.insert(client) {
                    mode.prefixes.insert(prefix);
                }
            }
        }
        Ok(())
    }

    /// `CLIENT TRACKING off`, or the client went away. Its entries in the table are left to
    /// go lazily, as in Redis.
    pub fn disable(&mut self, client: u64) {
        let Some(mode) = self.modes.remove(&client) else {
            return;
        };
        for prefix in &mode.prefixes {
            if let Some(state) = self.prefixes.get_mut(prefix) {
                state.clients.remove(&client);
                if state.clients.is_empty() {
                    self.prefixes.remove(prefix);
                }
            }
        }
    }

    /// After a read-only command of a tracking client (not in broadcast mode): remember that
    /// it may now cache `keys` (`trackingRememberKeys`), unless OPTIN/OPTOUT say otherwise.
    pub fn remember(&mut self, client: u64, keys: &[&[u8]]) {
        let Some(mode) = self.modes.get(&client) else {
            return;
        };
        if mode.bcast || (mode.optin && !mode.caching) || (mode.optout && mode.caching) {
            return;
        }
        for key in keys {
            if self.table.entry(key.to_vec()).or_default().insert(client) {
                self.items += 1;
            }
        }
    }

    /// A key changed (`trackingInvalidateKey`): queue a message for each client that may cache
    /// it, forget those entries, and note the key for the broadcast prefixes it matches, with
    /// `changed_by`, the client that changed it (0: expiry, or a script's own client).
    pub fn invalidate(&mut self, key: &[u8], changed_by: u64) {
        if self.modes.is_empty() && self.table.is_empty() {
            return;
        }
        let current = self.current;
        for (prefix, state) in self.prefixes.iter_mut() {
            if key.starts_with(prefix) {
                state.keys.insert(key.to_vec(), changed_by);
            }
        }
        let Some(ids) = self.table.remove(key) else {
            return;
        };
        self.items -= ids.len() as u64;
        for id in ids {
            let Some(mode) = self.modes.get(&id) else {
                continue;
            };
            if mode.bcast || (mode.noloop && id == current) {
                continue;
            }
            self.outbox
                .push((id, Invalidation::Keys(vec![key.to_vec()])));
        }
    }

    /// Databases were emptied (`trackingInvalidateKeysOnFlush`): every tracking client is told
    /// all its keys are gone, and the table starts again.
    pub fn flushed(&mut self) {
        let mut ids: Vec<u64> = self.modes.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            self.outbox.push((id, Invalidation::All));
        }
        self.table.clear();
        self.items = 0;
    }

    /// The end of an event-loop turn (`trackingBroadcastInvalidationMessages`): for each
    /// prefix with changed keys, a message to each of its clients (without the keys a
    /// `NOLOOP` client changed itself; none if that leaves nothing).
    pub fn take_broadcasts(&mut self) -> Vec<(u64, Invalidation)> {
        let mut out = Vec::new();
        for state in self.prefixes.values_mut() {
            if state.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut state.keys);
            for &client in &state.clients {
                let noloop = self.modes.get(&client).is_some_and(|m| m.noloop);
                let list: Vec<Vec<u8>> = keys
                    .iter()
                    .filter(|(_, &by)| !noloop || by != client)
                    .map(|(k, _)| k.clone())
                    .collect();
                if !list.is_empty() {
                    out.push((client, Invalidation::Keys(list)));
                }
            }
        }
        out
    }

    /// Forget keys at random (as if they changed, telling their clients) until at most `max`
    /// are tracked (`trackingLimitUsedSlots`); `max` 0 means no limit.
    pub fn limit_keys(&mut self, max: usize, mut random: impl FnMut() -> u64) {
        if max == 0 {
            return;
        }
        let mut effort = 100;
        while self.table.len() > max && effort > 0 {
            effort -= 1;
            let n = (random() % self.table.len() as u64) as usize;
            let Some(key) = self.table.keys().nth(n).cloned() else {
                break;
            };
            let ids = self.table.remove(&key).unwrap_or_default();
            self.items -= ids.len() as u64;
            for id in ids {
                if self.modes.get(&id).is_some_and(|m| !m.bcast) {
                    self.outbox
                        .push((id, Invalidation::Keys(vec![key.clone()])));
                }
            }
        }
    }
}

/// Prefixes of one client must not overlap (one a prefix of the other), among themselves or
/// with those it has.
fn check_prefix_collisions(current: Option<&Mode>, given: &[Vec<u8>]) -> Result<(), Refusal> {
    let overlaps = |a: &[u8], b: &[u8]| a.starts_with(b) || b.starts_with(a);
    for (i, p) in given.iter().enumerate() {
        if let Some(existing) = current
            .into_iter()
            .flat_map(|m| m.prefixes.iter())
            .find(|e| overlaps(p, e))
        {
            return Err(format!(
                "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(existing)
            ));
        }
        if let Some(other) = given[i + 1..].iter().find(|o| overlaps(p, o)) {
            return Err(format!(
                "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(other)
            ));
        }
    }
    Ok(())
}
