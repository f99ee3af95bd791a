package activities

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// OutboundTransport is the transport of the requests the worker makes for
// a definition: http checks, webhook deploys, CI job checks, notification
// webhooks. They leave from the worker, not from a sandbox, so a project's
// network setting does not apply to them; what a commit writes in a URL
// must still not reach the link-local addresses (169.254.0.0/16,
// fe80::/10) where clouds serve the instance's metadata and the worker's
// own credentials. The address is checked when the connection is made,
// after DNS, so a name resolving there is refused too.
func OutboundTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refuseLinkLocal}
	t.DialContext = d.DialContext
	return t
}

// outboundClient is the client of the worker's requests for a definition
// when none is given.
var outboundClient = &http.Client{Transport: OutboundTransport()}

// awsMetadataV6 is where AWS serves instance metadata (fd00:ec2::254) and
// the EKS Pod Identity agent (fd00:ec2::23) over IPv6: unique-local
// addresses, not link-local ones.
var awsMetadataV6 = netip.MustParsePrefix("fd00:ec2::/32")

// refuseLinkLocal refuses a connection to a link-local address, or to AWS's
// IPv6 metadata addresses.
func refuseLinkLocal(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	ip = ip.Unmap()
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || awsMetadataV6.Contains(ip) {
		return fmt.Errorf("%s is a link-local address (where clouds serve instance metadata): the worker does not connect there", host)
	}
	return nil
}
