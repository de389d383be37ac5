//! The domain's named enums as text columns. The domain stays free of sea-orm, so the
//! traits sea-orm's `DeriveValueType` would derive are implemented here, once, by a macro:
//! an entity field typed `SaarStatus` stores `"pending"` and reads back the enum, and a row
//! holding a name no variant has fails to load instead of passing through as a string.

use crate::domain::account::AccountStatus;
use crate::domain::approver_change::{ApproverChangeStatus, ApproverKind};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::permission::AdminRole;
use crate::domain::provisioning::{ProvisioningKind, ProvisioningMode, ProvisioningStatus};
use crate::domain::request::{RenewalApprover, Requestable};
use crate::domain::revalidation::{RevalidationStatus, Scope, Trigger};
use crate::domain::saar::{RequestType, SaarStatus};
use crate::domain::task::TaskStatus;

macro_rules! text_column {
    ($($t:ty),+ $(,)?) => {$(
        impl From<$t> for sea_orm::Value {
            fn from(v: $t) -> Self {
                v.as_str().into()
            }
        }

        impl sea_orm::TryGetable for $t {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let s = String::try_get_by(res, idx)?;
                s.parse().map_err(|e: crate::domain::UnknownName| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($t),
                        source: std::sync::Arc::new(e),
                    })
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $t {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let s = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                s.parse().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($t).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $t {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$t> for $t {
            fn into_active_value(self) -> sea_orm::ActiveValue<$t> {
                sea_orm::ActiveValue::Set(self)
            }
        }

        impl sea_orm::sea_query::postgres_array::NotU8 for $t {}
    )+};
}

text_column!(
    SaarStatus,
    RevalidationStatus,
    Scope,
    Trigger,
    RequestType,
    TaskStatus,
    AssignmentStatus,
    ProvisioningStatus,
    ProvisioningKind,
    ProvisioningMode,
    AdminRole,
    AccountStatus,
    Requestable,
    RenewalApprover,
    ApproverKind,
    ApproverChangeStatus,
);

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Value;
    use sea_orm::sea_query::ValueType;

    #[test]
    fn enums_store_their_names_and_refuse_unknown_ones() {
        for s in SaarStatus::ALL {
            let v: Value = (*s).into();
            assert_eq!(v, Value::String(Some(s.as_str().into())));
            assert_eq!(<SaarStatus as ValueType>::try_from(v).ok(), Some(*s));
        }
        assert!(<TaskStatus as ValueType>::try_from(Value::String(Some("done".into()))).is_err());
    }
}
