package storage

// Stores bundles every store over one database.
type Stores struct {
	RefreshTokens   *RefreshTokenStore
	RevokedTokens   *RevokedTokenStore
	DB              *DB
	Pools           *PoolStore
	Images          *ImageStore
	Settings        *SettingStore
	Apps            *ApplicationCounter
	Attributes      *AttributeStore
	Connectors      *ConnectorStore
	MessageSettings *MessageSettingsStore
	Quotas          *QuotaCounter
	Groups          *GroupStore
	Members         *GroupMembersStore
	Users           *UserStore
	// Applications and authentication sources (with the pool lock and group lookup they use).
	Applications *ApplicationStore
	AuthSources  *AuthSourceStore
	PoolLocker   *PoolLocker
	SigningKeys  *SigningKeyStore
	Audit        *AuditLog
	// OTP challenges, send limits and their counters.
	OTP         *OTPStore
	OTPSettings *OTPSettingsStore
	RateLimiter *RateLimiter
}

// NewStores builds every store over db.
func NewStores(db *DB) *Stores {
	return &Stores{
		RefreshTokens:   newRefreshTokenStore(db),
		RevokedTokens:   &RevokedTokenStore{db: db},
		DB:              db,
		Pools:           &PoolStore{db: db},
		Images:          &ImageStore{db: db},
		Settings:        &SettingStore{db: db},
		Apps:            &ApplicationCounter{db: db},
		Attributes:      &AttributeStore{db: db},
		Connectors:      &ConnectorStore{db: db},
		MessageSettings: &MessageSettingsStore{db: db},
		Quotas:          &QuotaCounter{db: db},
		Groups:          &GroupStore{db: db},
		Members:         &GroupMembersStore{db: db},
		Users:           newUserStore(db),

		Applications: &ApplicationStore{db: db},
		AuthSources:  &AuthSourceStore{db: db},
		PoolLocker:   &PoolLocker{db: db},
		SigningKeys:  &SigningKeyStore{db: db},
		Audit:        newAuditLog(db),
		OTP:          &OTPStore{db: db},
		OTPSettings:  &OTPSettingsStore{db: db},
		RateLimiter:  &RateLimiter{db: db},
	}
}
