//! UTC times as text, without a date library: the zero-hit log, the audit
//! log and the CLI's generation list stamp their lines with them.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since 1970 now (0 if the clock stands before 1970).
pub fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The calendar date (year, month, day) of a day counted from 1970-01-01:
/// the civil-from-days conversion of Howard Hinnant's date algorithms.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since 1970 as `2026-12-02 22:35`, for people.
pub fn minute(seconds: u64) -> String {
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let minutes = (seconds % 86_400) / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Seconds since 1970 as `2026-12-02T22:35:07Z` (ISO 8601), for logs.
pub fn iso(seconds: u64) -> String {
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn minutes_read_as_calendar_dates() {
        assert_eq!(super::minute(0), "1970-01-01 00:00");
        assert_eq!(super::minute(951_782_400), "2000-02-29 00:00");
        assert_eq!(super::minute(1_796_251_020), "2026-12-02 22:37");
    }

    #[test]
    fn iso_times_carry_seconds_and_the_zone() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso(1_796_251_027), "2026-12-02T22:37:07Z");
        // The day after a leap day, and the last second of a year.
        assert_eq!(super::iso(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(super::iso(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}
