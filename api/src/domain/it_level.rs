//! IT levels (IT-I is the highest, then II, III; `none` is below all).

use std::str::FromStr;

/// An IT level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItLevel {
    None = 0,
    III = 1,
    II = 2,
    I = 3,
}

impl ItLevel {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::III => "III",
            Self::II => "II",
            Self::I => "I",
        }
    }

    /// Whether a user at this level meets `required`.
    pub fn meets(self, required: ItLevel) -> bool {
        self >= required
    }
}

impl FromStr for ItLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => Self::None,
            "III" => Self::III,
            "II" => Self::II,
            "I" => Self::I,
            other => return Err(format!("{other:?} is not an IT level (none, I, II, III)")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_one_is_the_highest() {
        assert!(ItLevel::I.meets(ItLevel::III));
        assert!(ItLevel::II.meets(ItLevel::II));
        assert!(!ItLevel::III.meets(ItLevel::II));
        assert!(!ItLevel::None.meets(ItLevel::III));
        assert!(ItLevel::None.meets(ItLevel::None));
        assert_eq!("II".parse::<ItLevel>(), Ok(ItLevel::II));
        assert!("IV".parse::<ItLevel>().is_err());
    }
}
