package signin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// raceUsers is a user store where the recipient's user appears between the grant's read and
// its auto sign-up, as when another sign-in creates it at that moment.
type raceUsers struct {
	ports.UserStore
	existing *domain.User
	findErr  error
	recorded []string
}

func (u *raceUsers) Create(context.Context, *domain.User) error {
	return domain.Conflict("duplicate", "user with this phone_number already exists")
}

func (u *raceUsers) FindRow(context.Context, string, ports.UserKey, string) (*domain.User, error) {
	if u.findErr != nil {
		return nil, u.findErr
	}
	c := *u.existing
	return &c, nil
}

func (u *raceUsers) RecordLogin(_ context.Context, _, id string, _ time.Time) error {
	u.recorded = append(u.recorded, id)
	return nil
}

type consumeOnce struct {
	ports.OTPStore
	consumed int
}

func (o *consumeOnce) Consume(context.Context, string, int, time.Time) (bool, error) {
	o.consumed++
	return true, nil
}

func TestAutoSignupLosingTheInsertLogsTheWinnerIn(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	app := &domain.Application{ID: "a", PoolID: "p"}
	app.Process.Registration.Enabled = true
	winner := &domain.User{ID: "u1", PoolID: "p", PhoneNumber: "+8613612345678", Attributes: map[string]any{}}
	winner.RecordLogin(now)

	users, otp := &raceUsers{existing: winner}, &consumeOnce{}
	s := &Service{Users: users, OTP: otp, Tx: fake.Tx{}, IDs: &fake.IDs{}}
	in, err := s.loginUser(context.Background(), app, nil, domain.ChannelSMS, winner.PhoneNumber, true, "c1", now)
	if err != nil || in == nil || in.user.ID != "u1" || in.created {
		t.Fatalf("signed in %+v, %v; want u1 logged in, not created", in, err)
	}
	if len(users.recorded) != 1 || users.recorded[0] != "u1" {
		t.Errorf("login recorded for %v", users.recorded)
	}

	// The winner's user cannot be read back: an error, not a crash.
	users.findErr = errors.New("database gone")
	if in, err := s.loginUser(context.Background(), app, nil, domain.ChannelSMS, winner.PhoneNumber, true, "c2", now); err == nil {
		t.Fatalf("signed in %+v despite the failed read", in)
	}
}
