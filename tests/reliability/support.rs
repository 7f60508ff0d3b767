//! What every reliability case shares: the soak factor and a seeded RNG.

/// How many times to multiply each case's iterations: 1 by default,
/// `CTX_SOAK=1` means 10, any larger number is taken as the factor itself.
pub fn soak() -> usize {
    match std::env::var("CTX_SOAK")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        None | Some(0) => 1,
        Some(1) => 10,
        Some(n) => n,
    }
}

/// A small deterministic generator (splitmix64), so each case is seeded and
/// a failure names the seed that reproduces it.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[test]
fn rng_is_deterministic_and_spreads() {
    let a: Vec<u64> = (0..4)
        .map({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        })
        .collect();
    let b: Vec<u64> = (0..4)
        .map({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        })
        .collect();
    assert_eq!(a, b);
    let mut r = Rng::new(1);
    let hits = (0..1000).filter(|_| r.below(2) == 0).count();
    assert!((400..600).contains(&hits), "{hits}");
}
