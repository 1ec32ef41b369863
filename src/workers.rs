//! The process's worker threads: one pool, made once, that every stage
//! runs on and shares work through ([`run`], [`join`], [`map`]).
//!
//! Why a pool made up front, not a thread per task: on a small virtual
//! machine a new thread may wait milliseconds before it first runs (it is
//! queued on a busy core until the scheduler moves it), while a worker
//! that already exists and sleeps is woken in tens of microseconds. A
//! refutation at a thousand classes has about two milliseconds to overlap
//! its search with the checker's reading; a thread started then often
//! began after the checker was done.
//!
//! Each worker has a large stack (reserved, not committed): every stage
//! reads a name through its definition, so a chain of definitions (up to
//! [`crate::MAX_DEFINITION_DEPTH`]) is a depth of recursion.
//!
//! Owns no work of its own; what runs in parallel, and why it is the same
//! whichever thread runs it, is said where it is called.

use std::sync::OnceLock;

/// The stack each worker reserves.
const STACK: usize = 512 << 20;

/// At most this many workers: the work shared is a few large tasks, or one
/// task per claim, and each worker reserves [`STACK`].
const MAX_WORKERS: usize = 8;

/// The pool, made on first use; `None` when no worker thread could be
/// started (then everything runs on the caller's thread, in order).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = cores.clamp(1, MAX_WORKERS);
        // Fewer workers when the system will not give as many stacks.
        [workers, 1].into_iter().find_map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .stack_size(STACK)
                .thread_name(|i| format!("backprove-{i}"))
                .build()
                .ok()
        })
    })
    .as_ref()
}

/// Runs `f` on a worker and returns its value; the workers are started
/// first, so that a later [`join`] finds one waiting. A panic in `f` is
/// passed on to the caller.
///
/// ```
/// assert_eq!(backprove::workers::run(|| 6 * 7), 42);
/// ```
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Runs `a` here and `b` on another worker when one is free (else here,
/// after `a`), and returns both values.
///
/// ```
/// let (a, b) = backprove::workers::join(|| 1 + 1, || "two");
/// assert_eq!((a, b), (2, "two"));
/// ```
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    match pool() {
        Some(pool) => pool.install(|| rayon::join(a, b)),
        None => (a(), b()),
    }
}

/// `f` of every item, in order, the items shared out among the workers:
/// the order of the results is the order of the items, so output does not
/// depend on scheduling.
///
/// ```
/// let squares = backprove::workers::map(&[1, 2, 3], |x| x * x);
/// assert_eq!(squares, vec![1, 4, 9]);
/// ```
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    match pool() {
        Some(pool) if items.len() > 1 => {
            pool.install(|| items.par_iter().with_max_len(1).map(&f).collect())
        }
        _ => items.iter().map(f).collect(),
    }
}
