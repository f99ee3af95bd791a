package identity

import (
	"errors"
	"strings"
	"unicode"

	"github.com/drover-ci/drover/contracts"
)

// ByForgeLogin returns the user whose identity file entry links the forge
// login who, "<forge>:<login>" as a push's build is triggered by
// (forge_logins), compared without case as forges compare logins, and
// whether there is one.
func (d *Directory) ByForgeLogin(who string) (User, bool) {
	if _, ok := contracts.ForgeLogin(who); !ok {
		return User{}, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, a := range d.users {
		for _, l := range a.user.ForgeLogins {
			if strings.EqualFold(l, who) {
				return a.user.clone(), true
			}
		}
	}
	return User{}, false
}

// checkForgeLogin validates one forge_logins entry; seen holds the logins
// linked already, lower-cased, as one forge account pushes as one user.
func checkForgeLogin(who string, seen map[string]bool) error {
	if _, ok := contracts.ForgeLogin(who); !ok || strings.ContainsFunc(who, unicode.IsSpace) {
		return errors.New("needs <forge>:<login>, the forge one of " + strings.Join(contracts.Forges, ", ") + " (such as github:alice)")
	}
	if seen[strings.ToLower(who)] {
		return errors.New("is linked to another user already")
	}
	return nil
}
