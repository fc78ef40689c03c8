package domain

import "time"

// UserStatus is the state the guide describes: a new user is disabled until its first login.
type UserStatus string

const (
	UserDisabled UserStatus = "disabled"
	UserEnabled  UserStatus = "enabled"
	UserLocked   UserStatus = "locked"
	UserFrozen   UserStatus = "frozen"
)

// LockType says who locked a user: only an administrator unlocks an administrator's lock; a
// lock after failed logins lifts itself per the password policy.
type LockType string

const (
	LockNone        LockType = ""
	LockAdmin       LockType = "admin"
	LockFailedLogin LockType = "failed_login"
)

// UserSource says how a user came to exist.
const (
	SourceAdmin      = "admin"
	SourceAutoSignup = "auto_signup"
	SourceSignup     = "signup"
)

// User is an end user of a pool. Built-in attributes are fields; every other attribute value
// (preset or custom) is in Attributes, keyed by attribute name.
type User struct {
	ID                string
	PoolID            string
	UserName          string
	Email             string
	PhoneNumber       string
	PasswordHash      string
	Status            UserStatus
	Source            string
	AlreadyFirstLogin bool
	ErrorCount        int
	LockType          LockType
	LockTime          *time.Time
	Frozen            bool
	LastLoginAt       *time.Time
	Attributes        map[string]any
	GroupIDs          []string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Conflict codes of the status transitions.
const (
	CodeUserNotLocked     = "user_not_locked"
	CodeUserAlreadyLocked = "user_already_locked"
	CodeUserFrozen        = "user_frozen"
	CodeUserNotFrozen     = "user_not_frozen"
	CodeUserAlreadyFrozen = "user_already_frozen"
)

// RefreshStatus derives Status from the flags: frozen wins over locked, locked over the
// first-login rule (disabled until the first login, enabled afterwards).
func (u *User) RefreshStatus() {
	switch {
	case u.Frozen:
		u.Status = UserFrozen
	case u.LockType != LockNone:
		u.Status = UserLocked
	case !u.AlreadyFirstLogin:
		u.Status = UserDisabled
	default:
		u.Status = UserEnabled
	}
}

// MaySignIn reports whether the user may sign in and its tokens still work: a locked or frozen
// user's do not (the seed's "Abnormal user status"). It reads the flags Status derives from.
func (u *User) MaySignIn() bool { return !u.Frozen && u.LockType == LockNone }

// Lock is an administrator's lock; only an administrator lifts it. A lock after failed logins
// becomes an administrator's lock. A frozen user cannot be locked (freezing already blocks it).
func (u *User) Lock(now time.Time) error {
	switch {
	case u.Frozen:
		return Conflict(CodeUserFrozen, "The user is frozen; unfreeze it first.")
	case u.LockType == LockAdmin:
		return Conflict(CodeUserAlreadyLocked, "The user is already locked by an administrator.")
	}
	t := now.UTC()
	u.LockType, u.LockTime = LockAdmin, &t
	u.RefreshStatus()
	return nil
}

// LockAfterFailures locks the user after too many failed logins; the password policy lifts
// this lock later. An administrator's lock is kept as it is.
func (u *User) LockAfterFailures(now time.Time) {
	if u.LockType == LockAdmin {
		return
	}
	t := now.UTC()
	u.LockType, u.LockTime = LockFailedLogin, &t
	u.RefreshStatus()
}

// Unlock lifts either kind of lock and forgets the failed login count.
func (u *User) Unlock() error {
	if u.LockType == LockNone {
		return Conflict(CodeUserNotLocked, "The user is not locked.")
	}
	u.clearLock()
	return nil
}

func (u *User) clearLock() {
	u.LockType, u.LockTime, u.ErrorCount = LockNone, nil, 0
	u.RefreshStatus()
}

// Freeze blocks every login until Unfreeze.
func (u *User) Freeze() error {
	if u.Frozen {
		return Conflict(CodeUserAlreadyFrozen, "The user is already frozen.")
	}
	u.Frozen = true
	u.RefreshStatus()
	return nil
}

// Unfreeze returns the user to locked, enabled or disabled, whichever its other flags say.
func (u *User) Unfreeze() error {
	if !u.Frozen {
		return Conflict(CodeUserNotFrozen, "The user is not frozen.")
	}
	u.Frozen = false
	u.RefreshStatus()
	return nil
}

// ResetPassword stores a new password hash and, as the guide says, unlocks the user.
func (u *User) ResetPassword(hash string) {
	u.PasswordHash = hash
	u.clearLock()
}

// RecordLogin notes a successful login: the first one turns a disabled user enabled.
func (u *User) RecordLogin(now time.Time) {
	t := now.UTC()
	u.AlreadyFirstLogin, u.LastLoginAt, u.ErrorCount = true, &t, 0
	u.RefreshStatus()
}
