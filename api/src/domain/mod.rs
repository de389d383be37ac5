//! Pure rules of AMPS: no I/O, no actix, no sea-orm. Everything here is unit-tested.

pub mod account;
pub mod approver_change;
pub mod assignment;
pub mod chain;
pub mod decision;
pub mod device;
pub mod it_level;
pub mod password;
pub mod permission;
pub mod provisioning;
pub mod request;
pub mod revalidation;
pub mod routing;
pub mod saar;
pub mod schedule;
pub mod sod;
pub mod task;
pub mod throttle;

/// A stored or wire name that no variant of the enum has (a row written by something other
/// than AMPS, or a typo in a test's raw SQL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a known {what}")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

/// Defines an enum whose variants each have one stored and wire name: `as_str`, `Display`,
/// `FromStr` (refusing with [`UnknownName`]) and `ALL` come from the one list, so the pair
/// cannot drift. The store maps such enums to text columns (`store::columns`).
macro_rules! named {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok(Self::$variant), )+
                    other => Err($crate::domain::UnknownName { what: $what, name: other.to_string() }),
                }
            }
        }
    };
}
pub(crate) use named;
