package identity

import (
	"errors"
	"regexp"
)

// slackUserPattern matches a Slack member ID: U… for a workspace member, W…
// for an Enterprise Grid one.
var slackUserPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// BySlackUser returns the user whose identity file entry links the Slack
// member ID id (slack_user), and whether there is one. An empty id matches
// nobody.
func (d *Directory) BySlackUser(id string) (User, bool) {
	if id == "" {
		return User{}, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, a := range d.users {
		if a.user.SlackUser == id {
			return a.user.clone(), true
		}
	}
	return User{}, false
}

// checkSlackUser validates an optional slack_user of the identity file;
// seen holds the IDs linked already, as one Slack account decides as one user.
func checkSlackUser(id string, seen map[string]bool) error {
	switch {
	case id == "":
		return nil
	case !slackUserPattern.MatchString(id):
		return errors.New("needs a Slack member ID such as U123ABC (in Slack: a profile, More, Copy member ID)")
	case seen[id]:
		return errors.New("shares its Slack account with another user")
	}
	return nil
}
