//! A minimal parallel map over a slice, on scoped threads: one worker per
//! core pulls the next index from a shared counter, so uneven items (one
//! large file among small ones) still balance.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Applies `f` to every item on all cores; results keep the input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut out: Vec<(usize, R)> = parts.iter_mut().flat_map(std::mem::take).collect();
    out.sort_unstable_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Like [`map`], but consumes the items, so each is dropped as soon as its
/// result exists: turning a large text into another never holds both
/// copies of every text at once.
pub fn map_into<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let slots: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|t| std::sync::Mutex::new(Some(t)))
        .collect();
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
}
