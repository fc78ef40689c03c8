package user

import (
	"context"
	"crypto/rand"
	"math/big"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// ResetPasswordRequest sets a user's password; an empty Password asks for a generated one.
type ResetPasswordRequest struct {
	PoolID   string
	ID       string
	Password string
}

// GeneratedPasswordLength is the length of generated passwords.
const GeneratedPasswordLength = 20

// ResetPassword stores a new password (given or generated) and unlocks the user, as the guide
// says. It returns the new password so the administrator sees it once; it is not kept anywhere.
func (s *Service) ResetPassword(ctx context.Context, req ResetPasswordRequest) (string, error) {
	pw := req.Password
	if pw == "" {
		var err error
		if pw, err = generatePassword(GeneratedPasswordLength); err != nil {
			return "", domain.Internal("generate password", err)
		}
	} else if err := checkPassword(pw); err != nil {
		return "", err
	}
	// Hash before the transaction: argon2 is slow and must not hold the row lock.
	hash, err := s.Hasher.Hash(pw)
	if err != nil {
		return "", domain.Internal("hash password", err)
	}
	_, err = s.transition(ctx, req.PoolID, req.ID, ActionResetPassword, "Reset the password of", func(u *domain.User) error {
		u.ResetPassword(hash)
		return nil
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// Character classes of generated passwords; look-alikes (0/O, 1/l/I) are left out so the
// password can be read out.
var passwordClasses = []string{
	"ABCDEFGHJKLMNPQRSTUVWXYZ",
	"abcdefghijkmnopqrstuvwxyz",
	"23456789",
	"!#$%&*+-=?@^_",
}

// generatePassword draws n characters uniformly from crypto/rand with at least one of each
// class, so it passes common composition policies.
func generatePassword(n int) (string, error) {
	all := ""
	for _, c := range passwordClasses {
		all += c
	}
	pick := func(set string) (byte, error) {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return 0, err
		}
		return set[i.Int64()], nil
	}
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(passwordClasses) {
			set = passwordClasses[i]
		}
		b, err := pick(set)
		if err != nil {
			return "", err
		}
		out[i] = b
	}
	// Shuffle so the guaranteed classes are not always in front.
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}
