package feeds_test

import (
	"net/netip"
	"testing"

	"github.com/feedfold/feedfold/feeds"
)

// TestPageFetchRefusesEverySpecialPurposeRange lists one address inside
// each range a full-text page must never be fetched from, and the same in
// IPv4-mapped IPv6 form where it is IPv4, beside public addresses that must
// pass.
func TestPageFetchRefusesEverySpecialPurposeRange(t *testing.T) {
	refused := []struct{ name, addr string }{
		{"this network", "0.1.2.3"},
		{"unspecified", "0.0.0.0"},
		{"private 10/8", "10.20.30.40"},
		{"carrier NAT", "100.64.0.1"},
		{"carrier NAT top", "100.127.255.254"},
		{"loopback", "127.0.0.1"},
		{"loopback elsewhere in 127/8", "127.200.1.1"},
		{"link-local", "169.254.169.254"},
		{"private 172.16/12", "172.16.0.1"},
		{"private 172.16/12 top", "172.31.255.255"},
		{"IETF protocol assignments", "192.0.0.8"},
		{"documentation 1", "192.0.2.10"},
		{"6to4 relay", "192.88.99.1"},
		{"private 192.168/16", "192.168.1.1"},
		{"benchmarking", "198.18.0.1"},
		{"benchmarking top", "198.19.255.255"},
		{"documentation 2", "198.51.100.7"},
		{"documentation 3", "203.0.113.9"},
		{"multicast", "224.0.0.251"},
		{"multicast top", "239.255.255.250"},
		{"reserved 240/4", "240.0.0.1"},
		{"broadcast", "255.255.255.255"},
		{"v6 unspecified", "::"},
		{"v6 loopback", "::1"},
		{"IPv4-compatible", "::7f00:1"},
		{"NAT64 of loopback", "64:ff9b::7f00:1"},
		{"NAT64 of a public address", "64:ff9b::808:808"},
		{"local NAT64", "64:ff9b:1::1"},
		{"discard-only", "100::1"},
		{"Teredo", "2001:0:4136:e378::1"},
		{"IETF v6 assignments", "2001:2::1"},
		{"v6 documentation", "2001:db8::1"},
		{"6to4 of a private address", "2002:c0a8:101::1"},
		{"v6 documentation 3fff", "3fff::1"},
		{"segment routing", "5f00::1"},
		{"unique-local", "fd12:3456:789a::1"},
		{"unique-local fc", "fc00::1"},
		{"link-local v6", "fe80::1"},
		{"link-local v6 with zone", "fe80::1%eth0"},
		{"site-local", "fec0::1"},
		{"v6 multicast", "ff02::1"},
	}
	for _, tt := range refused {
		a := netip.MustParseAddr(tt.addr)
		if feeds.IsPublic(a) {
			t.Errorf("%s %s passes the guard", tt.name, a)
		}
		if a.Is4() {
			mapped := netip.AddrFrom16(a.As16())
			if feeds.IsPublic(mapped) {
				t.Errorf("%s as IPv4-mapped IPv6 %s passes the guard", tt.name, mapped)
			}
		}
	}
	for _, addr := range []string{"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.32.0.1", "192.169.0.1",
		"198.20.0.1", "223.255.255.254", "2606:4700::1111", "2a00:1450:4001::1"} {
		a := netip.MustParseAddr(addr)
		if !feeds.IsPublic(a) {
			t.Errorf("public address %s refused", a)
		}
		if a.Is4() && !feeds.IsPublic(netip.AddrFrom16(a.As16())) {
			t.Errorf("public address %s refused in IPv4-mapped form", a)
		}
	}
	if feeds.IsPublic(netip.Addr{}) {
		t.Error("the zero address passes the guard")
	}
}
