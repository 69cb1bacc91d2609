//! Amounts of money as the pages, links and exports write them.

pub use crate::labels::funding::format_yuan;

/// A yuan amount as the funding form shows it back and the CSV export
/// writes it (no exponent, no `.0`).
pub fn plain_amount(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(380_000_000.0), "3.8亿元");
        assert_eq!(format_yuan(47_250_000.0), "4725万元");
        assert_eq!(format_yuan(600.0), "600元");
        assert_eq!(plain_amount(100_000_000.0), "100000000");
        assert_eq!(plain_amount(1.5), "1.5");
    }
}
