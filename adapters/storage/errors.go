package storage

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// uniqueKeyFields maps each unique index to the API field it protects, so a duplicate becomes a
// conflict that names the field on both dialects.
var uniqueKeyFields = map[string]string{
	"pools_name_key":               "name",
	"attributes_pool_name_key":     "name",
	"users_pool_user_name_key":     "user_name",
	"users_pool_email_key":         "email",
	"users_pool_phone_key":         "phone_number",
	"user_groups_pool_name_key":    "name",
	"connectors_pool_name_key":     "name",
	"auth_sources_pool_name_key":   "name",
	"applications_client_id_key":   "client_id",
	"signing_keys_active_slot_key": "alg",
}

// sqliteUniqueColumns maps SQLite's "UNIQUE constraint failed: t.a, t.b" column lists to the
// same index names.
var sqliteUniqueColumns = map[string]string{
	"pools.name":                              "pools_name_key",
	"attributes.pool_id, attributes.name":     "attributes_pool_name_key",
	"users.pool_id, users.user_name":          "users_pool_user_name_key",
	"users.pool_id, users.email":              "users_pool_email_key",
	"users.pool_id, users.phone_number":       "users_pool_phone_key",
	"user_groups.pool_id, user_groups.name":   "user_groups_pool_name_key",
	"connectors.pool_id, connectors.name":     "connectors_pool_name_key",
	"auth_sources.pool_id, auth_sources.name": "auth_sources_pool_name_key",
	"applications.client_id":                  "applications_client_id_key",
	"signing_keys.active_slot":                "signing_keys_active_slot_key",
}

// mapErr turns driver errors into domain errors: no rows → not found (naming what), duplicate
// key → conflict naming the field, foreign key violation → not found. Anything else is internal.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := domain.AsError(err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(what)
	}
	if key, ok := duplicateKey(err); ok {
		field := uniqueKeyFields[key]
		if field == "" {
			field = key
		}
		return domain.Conflict("duplicate", what+" with this "+field+" already exists",
			domain.FieldError{Field: field, Reason: "is already used"})
	}
	if isForeignKeyViolation(err) {
		return domain.NotFound(what)
	}
	return domain.Internal("storage: "+what, err)
}

func duplicateKey(err error) (string, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		// Duplicate entry 'x' for key 'users_pool_email_key' (MySQL 8 prefixes "users.").
		msg := me.Message
		i := strings.LastIndex(msg, "for key '")
		if i < 0 {
			return "", true
		}
		key := strings.TrimSuffix(msg[i+len("for key '"):], "'")
		if dot := strings.LastIndexByte(key, '.'); dot >= 0 {
			key = key[dot+1:]
		}
		return key, true
	}
	msg := err.Error()
	if i := strings.Index(msg, "UNIQUE constraint failed: "); i >= 0 {
		cols := msg[i+len("UNIQUE constraint failed: "):]
		if j := strings.Index(cols, " ("); j >= 0 { // modernc appends the extended code: "(2067)"
			cols = cols[:j]
		}
		cols = strings.TrimSpace(cols)
		if key, ok := sqliteUniqueColumns[cols]; ok {
			return key, true
		}
		return cols, true
	}
	return "", false
}

func isForeignKeyViolation(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1452 || me.Number == 1216
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
