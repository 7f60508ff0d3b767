//! Long histories, written through the store API in transactions of 1,000
//! events as a long-lived store would hold them (not a million processes).
//!
//! The shape scales with the event count N: N/1000 packs (at most 1,000,
//! named p0, p1, ...), a pack `big` that gains N/10 artifacts, the pack p0
//! owning 1% of the events, and every other event adding to or removing
//! from the remaining packs, each of which keeps a sliding window of a few
//! live artifacts, as packs that are edited for years do. Every add
//! captures one of 5,000 project files; a file's content changes on one add
//! in 50, so, as in a real project, most captures find their content
//! already stored.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use ctx_model::{
    AddOptions, ArtifactId, Captured, CapturedBlob, Event, NewArtifact, PackId, PackName,
    SourceSpec, Timestamp, TokenizerKind,
};
use ctx_store::{NewEvent, Query as _, Store, Writer};

use crate::project::Rng;

/// Live artifacts each ordinary pack keeps; an add beyond it removes the
/// oldest first.
const WINDOW: usize = 8;

/// Events per transaction.
const BATCH: u64 = 1_000;

/// The project files the history captures.
const PATHS: u64 = 5_000;

/// The project as the history sees it: each file's current version.
struct Files {
    versions: Vec<u32>,
}

impl Files {
    /// Captures file `index` at its current version (a new version one time
    /// in 50) as an add to `pack` under `path`.
    fn add(
        &mut self,
        w: &mut Writer,
        rng: &mut Rng,
        pack: PackId,
        index: u64,
        path: String,
    ) -> Event {
        let version = &mut self.versions[index as usize];
        if rng.below(50) == 0 {
            *version += 1;
        }
        let text = format!(
            "// file {index}, version {version}\npub fn f{index}_{version}(x: u32) -> u32 {{\n    x.wrapping_mul({index}).rotate_left({version})\n}}\n"
        );
        file_added(w, pack, path, &text)
    }
}

fn path_of(index: u64) -> String {
    format!("src/m{}/f{index}.rs", index % 50)
}

/// A pack being written, with its live artifacts oldest first.
struct Live {
    id: PackId,
    artifacts: VecDeque<(ArtifactId, SourceSpec)>,
}

/// Writes the seeded history of `events` events into the store at `db`,
/// with packs rooted at `root`.
pub fn seed(db: &Path, root: &Path, events: u64) {
    let store = Store::open(db, Duration::ZERO).expect("store");
    let packs = (events / 1_000).clamp(2, 1_000) as usize;
    let big_share = events / 10;
    let p0_share = events / 100;
    let mut live: Vec<Live> = Vec::new();
    let mut big = None;
    let mut rng = Rng(0x0005_eed0_f115);
    let mut seq = 0u64;
    let mut big_added = 0u64;
    let mut files = Files {
        versions: vec![0; PATHS as usize],
    };
    while seq < events {
        let mut w = store.write().expect("write");
        for _ in 0..BATCH.min(events - seq) {
            seq += 1;
            let event = if live.len() < packs {
                create(&format!("p{}", live.len()), root)
            } else if big.is_none() {
                create("big", root)
            } else {
                let r = rng.below(events);
                let slot = if r < big_share {
                    None
                } else if r < big_share + p0_share {
                    Some(0)
                } else {
                    Some(1 + rng.below(packs as u64 - 1) as usize)
                };
                match slot {
                    None => {
                        big_added += 1;
                        let index = big_added % PATHS;
                        let path = format!("big/{big_added}.rs");
                        files.add(&mut w, &mut rng, big.expect("big"), index, path)
                    }
                    Some(i) if live[i].artifacts.len() >= WINDOW => {
                        let (artifact, spec) =
                            live[i].artifacts.pop_front().expect("a live artifact");
                        Event::ArtifactRemoved {
                            pack: live[i].id,
                            artifact,
                            spec,
                        }
                    }
                    Some(i) => {
                        // A file not already in the pack's window.
                        let mut index = rng.below(PATHS);
                        while live[i].artifacts.iter().any(|(_, s)| {
                            *s == SourceSpec::File {
                                path: path_of(index),
                            }
                        }) {
                            index = (index + 1) % PATHS;
                        }
                        files.add(&mut w, &mut rng, live[i].id, index, path_of(index))
                    }
                }
            };
            let record = w.append(new_event(event)).expect("append");
            match &record.event {
                Event::PackCreated { name, .. } if name.as_str() == "big" => {
                    big = Some(PackId(record.seq.0));
                }
                Event::PackCreated { .. } => live.push(Live {
                    id: PackId(record.seq.0),
                    artifacts: VecDeque::new(),
                }),
                Event::ArtifactAdded { pack, artifact } if Some(*pack) != big => {
                    let entry = live.iter_mut().find(|l| l.id == *pack).expect("pack");
                    entry
                        .artifacts
                        .push_back((ArtifactId(record.seq.0), artifact.spec.clone()));
                }
                _ => {}
            }
        }
        w.commit().expect("commit");
    }
}

/// Adds `bytes` of distinct file content to the store: files of about
/// 20 KB captured into the packs p1, p2, ... (one event each), and a tenth
/// as much content that nothing refers to, as a deleted snapshot leaves
/// for `gc`. Returns the bytes of referenced content.
pub fn add_content(db: &Path, bytes: u64) -> u64 {
    let store = Store::open(db, Duration::ZERO).expect("store");
    let r = store.read().expect("read");
    let packs: Vec<PackId> = r
        .materialized()
        .expect("state")
        .packs
        .keys()
        .copied()
        .collect();
    drop(r);
    let mut rng = Rng(0xb10b_5eed);
    let mut written = 0u64;
    let mut file = 0u64;
    while written < bytes {
        let mut w = store.write().expect("write");
        for _ in 0..100 {
            if written >= bytes {
                break;
            }
            file += 1;
            let text = crate::project::code(&mut rng, 20_000);
            written += text.len() as u64;
            let pack = packs[1 + (file as usize % (packs.len() - 1))];
            let event = file_added(&mut w, pack, format!("src/content_{file}.rs"), &text);
            w.append(new_event(event)).expect("append");
            if file.is_multiple_of(10) {
                let garbage = crate::project::code(&mut rng, 20_000);
                w.put_blob(garbage.as_bytes()).expect("garbage blob");
            }
        }
        w.commit().expect("commit");
    }
    written
}

/// Stores `text` and returns the event that captures it as file `path`.
fn file_added(w: &mut Writer, pack: PackId, path: String, text: &str) -> Event {
    let hash = w.put_blob(text.as_bytes()).expect("blob");
    Event::ArtifactAdded {
        pack,
        artifact: NewArtifact {
            spec: SourceSpec::File { path },
            priority: 0,
            options: AddOptions::default(),
            content: Captured::Blob(CapturedBlob {
                hash,
                bytes: text.len() as u64,
                tokens: (text.len() / 4) as u32,
            }),
        },
    }
}

fn create(name: &str, root: &Path) -> Event {
    Event::PackCreated {
        name: PackName::new(name).expect("name"),
        root: root.to_str().expect("utf-8 root").to_owned(),
        budget: 128_000,
        tokenizer: TokenizerKind::O200k,
    }
}

fn new_event(event: Event) -> NewEvent {
    NewEvent {
        time: Timestamp(1_795_848_561_000),
        user: "bench".into(),
        version: "bench".into(),
        command: vec!["ctx".into(), "bench".into()],
        event,
    }
}
