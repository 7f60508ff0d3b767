//! Wall-clock timestamps as stored in events: milliseconds since the Unix
//! epoch, shown in UTC as RFC 3339 without a time-zone database.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Whole seconds since the epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS][Z]` (UTC).
    pub fn parse(s: &str) -> Option<Self> {
        let (date, time) = match s.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t.trim_end_matches('Z'))),
            None => (s, None),
        };
        let mut parts = date.split('-');
        let y: i64 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        // Years past what the arithmetic below can hold are no time a user
        // means; the bound keeps every step in range.
        if parts.next().is_some()
            || !(1..=12).contains(&m)
            || !(1..=31).contains(&d)
            || !(-MAX_YEAR..=MAX_YEAR).contains(&y)
        {
            return None;
        }
        let mut secs = days_from_civil(y, m, d) * 86_400;
        if let Some(time) = time {
            let mut hms = time.split(':');
            let h: u32 = hms.next()?.parse().ok()?;
            let min: u32 = hms.next()?.parse().ok()?;
            let sec: u32 = hms.next().map_or(Some(0), |s| s.parse().ok())?;
            if hms.next().is_some() || h > 23 || min > 59 || sec > 60 {
                return None;
            }
            secs += i64::from(h * 3600 + min * 60 + sec);
        }
        Some(Self(secs.checked_mul(1000)?))
    }

    /// A time a user typed: a date, a date and time (UTC), or an age
    /// (`90s`, `90m`, `12h`, `7d`, `2w`) counted back from `now`.
    pub fn parse_relative(s: &str, now: Timestamp) -> Option<Self> {
        let age = |unit: char, ms: i64| {
            s.strip_suffix(unit)
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .map(|n| Timestamp(now.0.saturating_sub(n.saturating_mul(ms))))
        };
        Self::parse(s)
            .or_else(|| age('s', 1000))
            .or_else(|| age('m', 60_000))
            .or_else(|| age('h', 3_600_000))
            .or_else(|| age('d', 86_400_000))
            .or_else(|| age('w', 604_800_000))
    }
}

/// The largest year (either side of year 0) a time may name.
const MAX_YEAR: i64 = 1_000_000;

/// Days since the epoch of a civil date (the inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date from days since the epoch (Howard Hinnant's algorithm), valid
/// for every day an i64 of milliseconds can name.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    /// `2026-11-28T06:49:21Z`: second precision is what a log reader needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.unix_seconds();
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 951_782_400_000, 1_795_848_561_000, -86_400_000] {
            let shown = Timestamp(ms).to_string();
            assert_eq!(Timestamp::parse(&shown), Some(Timestamp(ms)), "{shown}");
        }
        assert_eq!(
            Timestamp::parse("2026-11-28"),
            Some(Timestamp(1_795_824_000_000))
        );
        assert_eq!(
            Timestamp::parse("2026-11-28T06:49"),
            Some(Timestamp(1_795_848_540_000))
        );
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-11-28T25:00",
            "yesterday",
            "2026-11-28T06:49:21:1",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_signs_and_years_out_of_range() {
        for bad in [
            "9223372036854775807-01-01",
            "99999999999999-01-01",
            "-9223372036854775808-03-01",
            "2026-01-01T-5:00",
            "2026-01-01T05:-1",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
        assert!(Timestamp::parse("1000000-12-31T23:59:60").is_some());
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(
            s in "[-0-9T: Z]{0,40}",
            y in proptest::num::i64::ANY,
            m in 0u32..14,
            d in 0u32..33,
        ) {
            let _ = Timestamp::parse(&s);
            let _ = Timestamp::parse(&format!("{y}-{m:02}-{d:02}T23:59:60Z"));
        }
    }

    #[test]
    fn ages_count_back_from_now() {
        let now = Timestamp(10 * 86_400_000);
        assert_eq!(
            Timestamp::parse_relative("90m", now),
            Some(Timestamp(now.0 - 90 * 60_000))
        );
        assert_eq!(
            Timestamp::parse_relative("2w", now),
            Some(Timestamp(now.0 - 14 * 86_400_000))
        );
        assert_eq!(
            Timestamp::parse_relative("1970-01-02", now),
            Some(Timestamp(86_400_000))
        );
        assert_eq!(
            Timestamp::parse_relative("99999999999999999w", now),
            Some(Timestamp(now.0 - i64::MAX))
        );
        for bad in ["-5d", "d", "5y", "yesterday", ""] {
            assert_eq!(Timestamp::parse_relative(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(951_782_400_000).to_string(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            Timestamp(1_795_848_561_999).to_string(),
            "2026-11-28T06:49:21Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59Z");
    }
}
