package domain_test

import (
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func TestMaySignInFollowsLocksAndFreezes(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(u *domain.User)
		may    bool
	}{
		{"new user, before its first login", func(*domain.User) {}, true},
		{"enabled", func(u *domain.User) { u.RecordLogin(now) }, true},
		{"locked by an administrator", func(u *domain.User) { _ = u.Lock(now) }, false},
		{"locked after failed logins", func(u *domain.User) { u.LockAfterFailures(now) }, false},
		{"frozen", func(u *domain.User) { _ = u.Freeze() }, false},
		{"unlocked again", func(u *domain.User) { _ = u.Lock(now); _ = u.Unlock() }, true},
	} {
		u := &domain.User{}
		u.RefreshStatus()
		tc.change(u)
		if got := u.MaySignIn(); got != tc.may {
			t.Errorf("%s (status %s): MaySignIn %v, want %v", tc.name, u.Status, got, tc.may)
		}
	}
}
