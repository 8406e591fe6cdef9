//! Chat Completions tool-call fragments → calls, by Mirascope 2.8.2's slot rules
//! (docs/spec.md §11.1 "Slots", Δ12).
//!
//! The protocol names a call by its `index` in the delta, but compatible servers reuse
//! indexes (every call at index 0), omit them, or omit ids. This module decides which call a
//! fragment continues, or whether it starts a new one, and keeps ids unique; the decoder only
//! asks it and emits the chunks.

use std::borrow::Cow;

use super::validation;
use crate::chunk::{Chunk, StreamError};
use crate::providers::common::is_format_tool;

/// One tool call of the stream: the slot its fragments resolve to, and its (unique) id.
#[derive(Debug)]
pub(super) struct Call {
    slot: i64,
    pub(super) id: String,
    name: String,
    /// The arguments so far, kept to tell a new id-less call at a reused index from the
    /// continuation of the previous one.
    args: String,
    open: bool,
}

/// Tool-call fragments → calls. A slot is Mirascope's key for one call; a wire `index` maps
/// to a slot, but servers reuse indexes (every call at index 0), omit them, or omit ids, so
/// the mapping follows the rules of docs/spec.md §11.1 instead of trusting `index`.
#[derive(Debug, Default)]
pub(super) struct Calls {
    /// In start order, which is also the order of their ends.
    calls: Vec<Call>,
    /// Wire index → the slot its latest fragment went to.
    index_slots: Vec<(i64, i64)>,
}

impl Calls {
    pub(super) fn at(&self, slot: i64) -> Option<&Call> {
        self.calls.iter().find(|c| c.slot == slot)
    }

    /// Records an argument fragment of the call at `slot` (to tell later fragments apart).
    pub(super) fn append(&mut self, slot: i64, arguments: &str) {
        if let Some(call) = self.calls.iter_mut().find(|c| c.slot == slot) {
            call.args.push_str(arguments);
        }
    }

    /// The slot a fragment belongs to. A closed call never continues (a text part ended it),
    /// so a fragment resolving to one starts a new call instead.
    pub(super) fn resolve(
        &mut self,
        index: Option<i64>,
        id: Option<&str>,
        name: Option<&str>,
    ) -> Result<i64, StreamError> {
        let latest = self.calls.iter().map(|c| c.slot).max();
        let next = || {
            latest.map_or(Some(0), |l| l.checked_add(1)).ok_or_else(|| {
                validation("tool call index out of range: no slot left for a new call")
            })
        };
        // A fragment belongs to another call when its id differs; without an id, when it
        // names a different function, or names one after the previous call's arguments
        // already form a complete JSON value (servers that omit ids and reuse index 0).
        let differs = |slot: i64| {
            self.at(slot).is_some_and(|c| match (id, name) {
                (Some(id), _) => c.id != id,
                (None, Some(name)) => {
                    c.name != name || serde_json::from_str::<serde::de::IgnoredAny>(&c.args).is_ok()
                }
                (None, None) => false,
            })
        };
        let mut slot = match index {
            Some(i) => match self.index_slots.iter().find(|(k, _)| *k == i) {
                None if self.at(i).is_some() => next()?,
                None => i,
                Some(&(_, mapped)) if differs(mapped) => next()?,
                Some(&(_, mapped)) => mapped,
            },
            None => match latest {
                None => 0,
                Some(l) if differs(l) => next()?,
                Some(l) => l,
            },
        };
        if self.at(slot).is_some_and(|c| !c.open) {
            slot = next()?;
        }
        if let Some(i) = index {
            match self.index_slots.iter_mut().find(|(k, _)| *k == i) {
                Some(entry) => entry.1 = slot,
                None => self.index_slots.push((i, slot)),
            }
        }
        Ok(slot)
    }

    /// Starts the call of a new slot and returns its id. Ids must be unique within the stream
    /// (they key the deltas): a missing id becomes `call_<slot>`, and a repeated one (a server
    /// bug) gets a suffix rather than merging two calls.
    pub(super) fn start(
        &mut self,
        slot: i64,
        id: Option<Cow<str>>,
        name: &str,
        out: &mut Vec<Chunk>,
    ) -> String {
        if is_format_tool(name) {
            // Another format-tool call ends the open one (servers stream parallel calls one
            // after the other): each is a text part, and parts must not overlap.
            for call in self
                .calls
                .iter_mut()
                .filter(|c| c.open && is_format_tool(&c.name))
            {
                call.open = false;
                out.push(Chunk::ToolCallEnd {
                    id: call.id.clone(),
                });
            }
        }
        let base = id.map_or_else(|| format!("call_{slot}"), Cow::into_owned);
        let mut id = base.clone();
        // Counting from the number of calls makes the first suffix almost always free, so a
        // server repeating one id for every call costs no more than distinct ids.
        let mut n = self.calls.len();
        while self.calls.iter().any(|c| c.id == id) {
            n += 1;
            id = format!("{base}_{n}");
        }
        out.push(Chunk::ToolCallStart {
            id: id.clone(),
            name: name.to_owned(),
        });
        self.calls.push(Call {
            slot,
            id: id.clone(),
            name: name.to_owned(),
            args: String::new(),
            open: true,
        });
        id
    }

    /// Ends every open call, in start order.
    pub(super) fn close_all(&mut self, out: &mut Vec<Chunk>) {
        for call in self.calls.iter_mut().filter(|c| c.open) {
            call.open = false;
            out.push(Chunk::ToolCallEnd {
                id: call.id.clone(),
            });
        }
    }
}
