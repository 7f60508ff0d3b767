//! A minimal parallel map over a slice, on scoped threads: one worker per
//! core pulls the next index from a shared counter, so uneven items (one
//! large file among small ones) still balance.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Applies `f` to every item on all cores; results keep the input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    // Each result goes straight to its place: no per-worker list to grow,
    // sort and copy again, which for 20,000 framed items was tens of MB.
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let done = f(item);
                        *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(done);
                    }
                })
            })
            .collect();
        // Joined here, a worker's panic goes on with its own payload, not
        // the scope's "a scoped thread panicked".
        for worker in workers {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            (slot.into_inner().unwrap_or_else(|p| p.into_inner()))
                .expect("BUG: every slot is filled once")
        })
        .collect()
}

/// Like [`map`], but consumes the items, so each is dropped as soon as its
/// result exists: turning a large text into another never holds both
/// copies of every text at once.
pub fn map_into<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    map(&slots, |slot| {
        let item = slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("BUG: each slot is taken once");
        f(item)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u64> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u8], |x| *x).is_empty());
        assert_eq!(
            super::map_into(vec![String::from("a"), "b".into()], |s| s + "!"),
            ["a!", "b!"]
        );
    }

    #[test]
    fn nests_and_passes_panics_on() {
        let outer: Vec<u64> = (0..8).collect();
        let sums = super::map(&outer, |&o| {
            let inner: Vec<u64> = (0..100).collect();
            super::map(&inner, |&i| i * o).into_iter().sum::<u64>()
        });
        assert_eq!(sums, outer.iter().map(|o| 4950 * o).collect::<Vec<_>>());
        let panicked = std::panic::catch_unwind(|| {
            super::map(&outer, |&o| assert!(o != 5, "item five"));
        })
        .expect_err("a worker panicked");
        let message = (panicked.downcast_ref::<&str>().copied())
            .or_else(|| panicked.downcast_ref::<String>().map(String::as_str));
        assert_eq!(message, Some("item five"));
    }
}
