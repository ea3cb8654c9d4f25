//! Billing periods: calendar months in UTC, written `YYYY-MM`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    /// 1..=12
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a period is written YYYY-MM (for example 2026-12), not {0:?}")]
pub struct PeriodParseError(pub String);

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=12).contains(&month) && (1970..=9998).contains(&year))
            .then_some(Period { year, month })
    }

    /// The period `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Period {
        Period {
            year: at.year(),
            month: at.month(),
        }
    }

    pub fn starts_at(self) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid period");
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
    }

    /// The instant the next period starts: when monthly quotas reset.
    pub fn ends_at(self) -> DateTime<Utc> {
        self.next().starts_at()
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                month: self.month - 1,
                ..self
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodParseError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodParseError(raw.to_owned());
        let (year, month) = raw.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        Period::new(year, month).ok_or_else(bad)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_months_in_utc() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap();
        let period = Period::of(at);
        assert_eq!(period.to_string(), "2026-12");
        assert_eq!(
            period.starts_at(),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            period.ends_at(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(period.next().to_string(), "2027-01");
        assert_eq!(period.next().previous(), period);
        assert_eq!("2027-01".parse::<Period>().unwrap(), period.next());
    }

    #[test]
    fn malformed_periods_are_refused() {
        for raw in [
            "2026-13", "2026-1", "26-12", "2026/12", "", "2026-00", "abcd-ef",
        ] {
            assert!(raw.parse::<Period>().is_err(), "{raw}");
        }
        let json: Result<Period, _> = serde_json::from_str("\"2026-12\"");
        assert_eq!(json.unwrap().to_string(), "2026-12");
    }
}
