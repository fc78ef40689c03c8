package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/group"
)

type groupBody struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toGroupBody(g *domain.Group) groupBody {
	return groupBody{ID: g.ID, Name: g.Name, Description: g.Description, MemberCount: g.MemberCount,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// groupMemberBody is a user as a member list shows it: contact details masked like any list
// view, absent values null.
type groupMemberBody struct {
	ID          string  `json:"id"`
	UserName    *string `json:"user_name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Status      string  `json:"status"`
}

func toGroupMemberBody(u *domain.User) groupMemberBody {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return groupMemberBody{ID: u.ID, UserName: opt(u.UserName), Email: opt(u.Email), PhoneNumber: opt(u.PhoneNumber),
		Status: string(u.Status)}
}

type createGroupRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// updateGroupRequest: absent (or null) fields stay as they are. Lengths and the required name
// are checked by the domain (after trimming), so the rules live in one place.
type updateGroupRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

type groupIDsRequest struct {
	GroupIDs []string `json:"group_ids"`
}

type groupUserIDsRequest struct {
	UserIDs []string `json:"user_ids"`
}

// registerGroups adds the group routes. Handlers pass c.Request.Context(), not c, to the core:
// gin reuses a *gin.Context once the handler returns, while database/sql may still watch the
// context from its own goroutines (a data race the race detector reports).
func (a *api) registerGroups(r *gin.RouterGroup) {
	g := r.Group("/pools/:pool_id/groups")
	g.POST("", a.createGroup)
	g.GET("", a.listGroups)
	g.POST("/batch-delete", a.deleteGroups)
	g.GET("/:group_id", a.getGroup)
	g.PATCH("/:group_id", a.updateGroup)
	g.DELETE("/:group_id", a.deleteGroup)
	g.GET("/:group_id/members", a.listGroupMembers)
	g.POST("/:group_id/members", a.addGroupMembers)
	g.DELETE("/:group_id/members", a.removeGroupMembers)
}

func (a *api) createGroup(c *gin.Context) {
	var req createGroupRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	g, err := a.Groups.Create(c.Request.Context(), group.CreateRequest{PoolID: c.Param("pool_id"), Name: req.Name, Description: req.Description})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toGroupBody(g))
}

func (a *api) listGroups(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Groups.List(c.Request.Context(), c.Param("pool_id"), page)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, toGroupBody))
}

func (a *api) getGroup(c *gin.Context) {
	g, err := a.Groups.Get(c.Request.Context(), c.Param("pool_id"), c.Param("group_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toGroupBody(g))
}

func (a *api) updateGroup(c *gin.Context) {
	var req updateGroupRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	g, err := a.Groups.Update(c.Request.Context(), group.UpdateRequest{PoolID: c.Param("pool_id"), ID: c.Param("group_id"),
		Name: req.Name, Description: req.Description})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toGroupBody(g))
}

func (a *api) deleteGroup(c *gin.Context) {
	if err := a.Groups.Delete(c.Request.Context(), c.Param("pool_id"), c.Param("group_id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) deleteGroups(c *gin.Context) {
	var req groupIDsRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := a.Groups.DeleteMany(c.Request.Context(), group.DeleteManyRequest{PoolID: c.Param("pool_id"), GroupIDs: req.GroupIDs}); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) listGroupMembers(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Groups.ListMembers(c.Request.Context(), c.Param("pool_id"), c.Param("group_id"), page)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, toGroupMemberBody))
}

// groupMembersRequest decodes the body shared by adding and removing members.
func groupMembersRequest(c *gin.Context) (group.MembersRequest, error) {
	var req groupUserIDsRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return group.MembersRequest{}, err
	}
	return group.MembersRequest{PoolID: c.Param("pool_id"), GroupID: c.Param("group_id"), UserIDs: req.UserIDs}, nil
}

// addGroupMembers answers 204: the request names the whole change, and the new member count
// is one GET away.
func (a *api) addGroupMembers(c *gin.Context) {
	req, err := groupMembersRequest(c)
	if err == nil {
		err = a.Groups.AddMembers(c.Request.Context(), req)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) removeGroupMembers(c *gin.Context) {
	req, err := groupMembersRequest(c)
	if err == nil {
		err = a.Groups.RemoveMembers(c.Request.Context(), req)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
