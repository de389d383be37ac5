//! Provisioning tasks: the work that grants an approved role in its application, or removes
//! it, by a person (manual) or by a webhook (automatic).

use super::named;

named! {
    /// The status of a provisioning task.
    pub enum ProvisioningStatus ("provisioning task status") {
        /// Not done yet.
        Open = "open",
        /// Done: the assignment started (grant) or ended (revoke).
        Done = "done",
    }
}

named! {
    /// What a provisioning task does in the application.
    pub enum ProvisioningKind ("provisioning task kind") {
        /// Give the role.
        Grant = "grant",
        /// Take the role away (a removal SAAR).
        Revoke = "revoke",
    }
}

named! {
    /// Who does a provisioning task.
    pub enum ProvisioningMode ("provisioning mode") {
        /// A provisioner marks it done.
        Manual = "manual",
        /// AMPS delivers a signed webhook; failures fall back to manual.
        Automatic = "automatic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ProvisioningStatus::ALL {
            assert_eq!(s.as_str().parse::<ProvisioningStatus>(), Ok(*s));
        }
        for k in ProvisioningKind::ALL {
            assert_eq!(k.as_str().parse::<ProvisioningKind>(), Ok(*k));
        }
        for m in ProvisioningMode::ALL {
            assert_eq!(m.as_str().parse::<ProvisioningMode>(), Ok(*m));
        }
    }
}
