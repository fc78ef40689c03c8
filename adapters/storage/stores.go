package storage

// Stores bundles every store over one database.
type Stores struct {
	DB         *DB
	Pools      *PoolStore
	Images     *ImageStore
	Settings   *SettingStore
	Apps       *ApplicationCounter
	Attributes *AttributeStore
	Audit      *AuditLog
}

// NewStores builds every store over db.
func NewStores(db *DB) *Stores {
	return &Stores{
		DB:         db,
		Pools:      &PoolStore{db: db},
		Images:     &ImageStore{db: db},
		Settings:   &SettingStore{db: db},
		Apps:       &ApplicationCounter{db: db},
		Attributes: &AttributeStore{db: db},
		Audit:      &AuditLog{db: db},
	}
}
