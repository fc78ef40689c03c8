package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/user"
)

// userBody is a user as the API shows it: raw values in the detail view, masked ones in lists.
// The nickname preset attribute is shown as the top-level nickname, not in attributes.
type userBody struct {
	ID                string         `json:"id"`
	UserName          string         `json:"user_name"`
	Email             string         `json:"email"`
	PhoneNumber       *string        `json:"phone_number"`
	Nickname          *string        `json:"nickname"`
	Status            string         `json:"status"`
	Source            string         `json:"source"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	LastLoginAt       *time.Time     `json:"last_login_at"`
	AlreadyFirstLogin bool           `json:"already_first_login"`
	ErrorCount        int            `json:"error_count"`
	LockType          *string        `json:"lock_type"`
	LockTime          *time.Time     `json:"lock_time"`
	GroupIDs          []string       `json:"group_ids"`
	Attributes        map[string]any `json:"attributes"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func userBodyOf(u *domain.User) userBody {
	b := userBody{ID: u.ID, UserName: u.UserName, Email: u.Email, PhoneNumber: optional(u.PhoneNumber), Status: string(u.Status),
		Source: u.Source, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt,
		AlreadyFirstLogin: u.AlreadyFirstLogin, ErrorCount: u.ErrorCount, LockType: optional(string(u.LockType)),
		LockTime: u.LockTime, GroupIDs: u.GroupIDs, Attributes: make(map[string]any, len(u.Attributes))}
	if b.GroupIDs == nil {
		b.GroupIDs = []string{}
	}
	for k, v := range u.Attributes {
		if k == user.NicknameAttribute {
			if s, ok := v.(string); ok {
				b.Nickname = &s
			}
			continue
		}
		b.Attributes[k] = v
	}
	return b
}

type createUserRequest struct {
	UserName    string         `json:"user_name"`
	Email       string         `json:"email"`
	Password    string         `json:"password"`
	PhoneNumber string         `json:"phone_number"`
	Nickname    *string        `json:"nickname"`
	GroupIDs    []string       `json:"group_ids"`
	Attributes  map[string]any `json:"attributes"`
}

// optString tells an absent field (Set false) from null or "" (Set, empty Value) and a string.
type optString struct {
	Set   bool
	Value string
}

func (o *optString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = ""
		return nil
	}
	if err := json.Unmarshal(b, &o.Value); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string]()}
	}
	return nil
}

func (o optString) ptr() *string {
	if !o.Set {
		return nil
	}
	return &o.Value
}

type updateUserRequest struct {
	UserName    optString      `json:"user_name"`
	Email       optString      `json:"email"`
	PhoneNumber optString      `json:"phone_number"`
	Nickname    optString      `json:"nickname"`
	GroupIDs    *[]string      `json:"group_ids"`
	Attributes  map[string]any `json:"attributes"`
}

type batchDeleteUsersRequest struct {
	UserIDs []string `json:"user_ids" validate:"required,min=1,max=100"`
}

type resetPasswordRequest struct {
	Password string `json:"password"`
}

func (a *api) registerUsers(r *gin.RouterGroup) {
	r.POST("/pools/:pool_id/users", a.createUser)
	r.GET("/pools/:pool_id/users", a.listUsers)
	r.POST("/pools/:pool_id/users/batch-delete", a.batchDeleteUsers)
	r.GET("/pools/:pool_id/users/:user_id", a.getUser)
	r.PATCH("/pools/:pool_id/users/:user_id", a.updateUser)
	r.DELETE("/pools/:pool_id/users/:user_id", a.deleteUser)
	r.POST("/pools/:pool_id/users/:user_id/lock", a.userTransition(a.Users.Lock))
	r.POST("/pools/:pool_id/users/:user_id/unlock", a.userTransition(a.Users.Unlock))
	r.POST("/pools/:pool_id/users/:user_id/freeze", a.userTransition(a.Users.Freeze))
	r.POST("/pools/:pool_id/users/:user_id/unfreeze", a.userTransition(a.Users.Unfreeze))
	r.POST("/pools/:pool_id/users/:user_id/reset-password", a.resetPassword)
}

func (a *api) createUser(c *gin.Context) {
	var req createUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := a.Users.Create(c.Request.Context(), user.CreateRequest{PoolID: c.Param("pool_id"), UserName: req.UserName, Email: req.Email,
		Password: req.Password, PhoneNumber: req.PhoneNumber, Nickname: req.Nickname, GroupIDs: req.GroupIDs, Attributes: req.Attributes})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, userBodyOf(u))
}

func (a *api) listUsers(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Users.List(c.Request.Context(), user.ListRequest{PoolID: c.Param("pool_id"), Search: c.Query("search"),
		Status: c.Query("status"), GroupID: c.Query("group_id"), Page: page})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, userBodyOf))
}

func (a *api) getUser(c *gin.Context) {
	u, err := a.Users.Get(c.Request.Context(), c.Param("pool_id"), c.Param("user_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, userBodyOf(u))
}

func (a *api) updateUser(c *gin.Context) {
	var req updateUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := a.Users.Update(c.Request.Context(), user.UpdateRequest{PoolID: c.Param("pool_id"), ID: c.Param("user_id"),
		UserName: req.UserName.ptr(), Email: req.Email.ptr(), PhoneNumber: req.PhoneNumber.ptr(),
		Nickname: req.Nickname.ptr(), GroupIDs: req.GroupIDs, Attributes: req.Attributes})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, userBodyOf(u))
}

func (a *api) deleteUser(c *gin.Context) {
	if err := a.Users.Delete(c.Request.Context(), user.DeleteRequest{PoolID: c.Param("pool_id"), IDs: []string{c.Param("user_id")}}); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) batchDeleteUsers(c *gin.Context) {
	var req batchDeleteUsersRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := a.Users.Delete(c.Request.Context(), user.DeleteRequest{PoolID: c.Param("pool_id"), IDs: req.UserIDs}); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// userTransition serves lock, unlock, freeze and unfreeze: no body, the user in the answer.
func (a *api) userTransition(change func(ctx context.Context, poolID, id string) (*domain.User, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := change(c.Request.Context(), c.Param("pool_id"), c.Param("user_id"))
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, userBodyOf(u))
	}
}

func (a *api) resetPassword(c *gin.Context) {
	var req resetPasswordRequest
	if c.Request.ContentLength != 0 && c.Request.Body != http.NoBody {
		if err := decodeJSON(c, maxJSONBody, &req); err != nil {
			writeError(c, err)
			return
		}
	}
	pw, err := a.Users.ResetPassword(c.Request.Context(), user.ResetPasswordRequest{PoolID: c.Param("pool_id"), ID: c.Param("user_id"), Password: req.Password})
	if err != nil {
		writeError(c, err)
		return
	}
	// The password is shown this once; keep it out of every cache.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"password": pw})
}
