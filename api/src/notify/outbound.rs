//! Outbound safety: AMPS calls applications' webhooks, so a webhook URL must not turn AMPS
//! into a way to reach what only it can reach (its loopback, the cloud metadata address, the
//! private network). A webhook is `https://`, and it is called only at public addresses,
//! unless its address is in `AMPS_WEBHOOK_ALLOWED_NETWORKS` (local development, an internal
//! application), where plain `http://` to an address literal is allowed too. Names are checked
//! when they are resolved, at each call (so a name that later resolves elsewhere is caught),
//! and redirects are not followed.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Whether `ip` is a public unicast address: not loopback, private, link-local, shared
/// (carrier-grade NAT), unique-local, documentation, benchmarking, multicast, reserved or
/// unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x0064 && s[1] == 0xff9b))
}

/// Whether AMPS may call `ip`: a public address, or one in `allowed`.
pub fn may_call(ip: IpAddr, allowed: &[IpNet]) -> bool {
    is_public(ip) || allowed.iter().any(|n| n.contains(&ip))
}

/// Checks webhook URL `url` before it is kept or called: `https://` (or `http://` to an
/// address in `allowed`), and an address literal AMPS may call. A name is checked when it is
/// resolved ([`client`]). The error says what is wrong, for the person who gave the URL.
pub fn check_url(url: &str, allowed: &[IpNet]) -> Result<(), String> {
    let u = url::Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    let literal = match u.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err("has no host".into()),
    };
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not carry a user name or password (the call is signed instead)".into());
    }
    if let Some(ip) = literal
        && !may_call(ip, allowed)
    {
        return Err(format!(
            "names {ip}, a private, loopback or reserved address; only public addresses are called (or those in AMPS_WEBHOOK_ALLOWED_NETWORKS)"
        ));
    }
    match u.scheme() {
        "https" => Ok(()),
        "http" if literal.is_some_and(|ip| allowed.iter().any(|n| n.contains(&ip))) => Ok(()),
        _ => Err("must be an https:// URL".into()),
    }
}

/// Resolves names for webhook calls, keeping only the addresses AMPS may call.
struct Guarded {
    allowed: Arc<Vec<IpNet>>,
}

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let callable: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| may_call(a.ip(), &allowed))
                .collect();
            if callable.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> = format!(
                    "{host} resolves only to private, loopback or reserved addresses, which webhooks may not call"
                )
                .into();
                return Err(e);
            }
            let addrs: reqwest::dns::Addrs = Box::new(callable.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client of webhook calls: names resolved through the guard, no redirects followed
/// (a 3xx answer is a failed delivery), a 15-second limit per call.
pub fn client(allowed: &[IpNet]) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Guarded {
            allowed: Arc::new(allowed.to_vec()),
        })
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_called_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!is_public(ip), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(is_public(ip), "{ip}");
        }
        let local: Vec<IpNet> = vec!["127.0.0.1/32".parse().expect("net")];
        assert!(may_call("127.0.0.1".parse().expect("ip"), &local));
        assert!(!may_call("127.0.0.2".parse().expect("ip"), &local));
    }

    #[test]
    fn webhook_urls_are_https_to_addresses_amps_may_call() {
        let none: Vec<IpNet> = vec![];
        let local: Vec<IpNet> = vec!["127.0.0.1/32".parse().expect("net")];
        assert!(check_url("https://hooks.example.com/amps", &none).is_ok());
        assert!(check_url("http://hooks.example.com/amps", &none).is_err());
        assert!(check_url("https://169.254.169.254/latest/meta-data", &none).is_err());
        assert!(check_url("https://[::1]:8443/hook", &none).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", &none).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", &local).is_ok());
        assert!(check_url("https://user:pw@hooks.example.com/", &none).is_err());
        assert!(check_url("ftp://hooks.example.com/", &none).is_err());
    }
}
