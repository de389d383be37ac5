//! Screens loaded on demand. Each is a route whose view lives in its own wasm chunk (split out
//! by `wasm-split` in the `web` recipe), fetched the first time the route is visited, so the
//! first page load carries only the shell and the sign-in, registration and Home screens.
//! Adding a lazily loaded screen is one block here and one `<Route view=Lazy::<…>::new()>`.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

pub struct MyInformation;
#[lazy_route]
impl LazyRoute for MyInformation {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::me::MyInformation/> }.into_any()
    }
}

pub struct Mailbox;
#[lazy_route]
impl LazyRoute for Mailbox {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::mailbox::Mailbox/> }.into_any()
    }
}

pub struct Approvals;
#[lazy_route]
impl LazyRoute for Approvals {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::approvals::Approvals/> }.into_any()
    }
}

pub struct RequestWizard;
#[lazy_route]
impl LazyRoute for RequestWizard {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::request::RequestWizard/> }.into_any()
    }
}

pub struct ApprovalLink;
#[lazy_route]
impl LazyRoute for ApprovalLink {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::approval_link::ApprovalLink/> }.into_any()
    }
}

pub struct ApproverChangeLink;
#[lazy_route]
impl LazyRoute for ApproverChangeLink {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::approver_change::ApproverChangeLink/> }.into_any()
    }
}

pub struct Provisioning;
#[lazy_route]
impl LazyRoute for Provisioning {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::provisioning::Provisioning/> }.into_any()
    }
}

pub struct CatalogAdmin;
#[lazy_route]
impl LazyRoute for CatalogAdmin {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::catalog::CatalogAdmin/> }.into_any()
    }
}

pub struct Users;
#[lazy_route]
impl LazyRoute for Users {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::users::Users/> }.into_any()
    }
}

pub struct MyReview;
#[lazy_route]
impl LazyRoute for MyReview {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::revalidation::MyReview/> }.into_any()
    }
}

pub struct Campaigns;
#[lazy_route]
impl LazyRoute for Campaigns {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::revalidation::Campaigns/> }.into_any()
    }
}

pub struct Enrollment;
#[lazy_route]
impl LazyRoute for Enrollment {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::enrollment::Enrollment/> }.into_any()
    }
}

pub struct Help;
#[lazy_route]
impl LazyRoute for Help {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::help::Help/> }.into_any()
    }
}

pub struct AuditTrail;
#[lazy_route]
impl LazyRoute for AuditTrail {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::audit::AuditTrail/> }.into_any()
    }
}

pub struct MyReports;
#[lazy_route]
impl LazyRoute for MyReports {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <pages::reports::Reports/> }.into_any()
    }
}
