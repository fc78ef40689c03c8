package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/attribute"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

type attributeBody struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Label         string    `json:"label"`
	Source        string    `json:"source"`
	FieldType     string    `json:"field_type"`
	Options       []string  `json:"options"`
	Masking       string    `json:"masking"`
	MaskKeepFirst int       `json:"mask_keep_first"`
	MaskKeepLast  int       `json:"mask_keep_last"`
	Regex         string    `json:"regex"`
	RegexError    string    `json:"regex_error"`
	Enabled       bool      `json:"enabled"`
	InUse         bool      `json:"in_use"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func attributeBodyOf(v *attribute.View) attributeBody {
	a := v.Attribute
	opts := a.Options
	if opts == nil {
		opts = []string{}
	}
	return attributeBody{ID: a.ID, Name: a.Name, Label: a.Label, Source: string(a.Source), FieldType: string(a.Type),
		Options: opts, Masking: string(a.Masking.Rule), MaskKeepFirst: a.Masking.KeepFirst, MaskKeepLast: a.Masking.KeepLast,
		Regex: a.Regex, RegexError: a.RegexError, Enabled: a.Enabled, InUse: v.InUse, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// The attribute rules (identifier names, lengths, options, masking, regex) live in
// domain.ValidateAttribute so every entry point shares them; the request structs only decode.
type createAttributeRequest struct {
	Name          string   `json:"name"`
	Label         string   `json:"label"`
	FieldType     string   `json:"field_type"`
	Options       []string `json:"options"`
	Masking       string   `json:"masking"`
	MaskKeepFirst int      `json:"mask_keep_first"`
	MaskKeepLast  int      `json:"mask_keep_last"`
	Regex         string   `json:"regex"`
	RegexError    string   `json:"regex_error"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled"`
}

type updateAttributeRequest struct {
	Name          *string   `json:"name"`
	Label         *string   `json:"label"`
	FieldType     *string   `json:"field_type"`
	Options       *[]string `json:"options"`
	Masking       *string   `json:"masking"`
	MaskKeepFirst *int      `json:"mask_keep_first"`
	MaskKeepLast  *int      `json:"mask_keep_last"`
	Regex         *string   `json:"regex"`
	RegexError    *string   `json:"regex_error"`
	Enabled       *bool     `json:"enabled"`
}

func (a *api) registerAttributes(r *gin.RouterGroup) {
	r.GET("/pools/:pool_id/attributes", a.listAttributes)
	r.POST("/pools/:pool_id/attributes", a.createAttribute)
	r.GET("/pools/:pool_id/attributes/:name", a.getAttribute)
	r.PATCH("/pools/:pool_id/attributes/:name", a.updateAttribute)
	r.DELETE("/pools/:pool_id/attributes/:name", a.deleteAttribute)
}

func (a *api) listAttributes(c *gin.Context) {
	views, err := a.Attributes.List(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]attributeBody, len(views))
	for i := range views {
		items[i] = attributeBodyOf(&views[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": len(items)})
}

func (a *api) createAttribute(c *gin.Context) {
	var req createAttributeRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	enabled := req.Enabled == nil || *req.Enabled
	v, err := a.Attributes.Create(c.Request.Context(), attribute.CreateRequest{PoolID: c.Param("pool_id"), Name: req.Name, Label: req.Label,
		Type: domain.FieldType(req.FieldType), Options: req.Options,
		Masking: domain.Masking{Rule: domain.MaskRule(req.Masking), KeepFirst: req.MaskKeepFirst, KeepLast: req.MaskKeepLast},
		Regex:   req.Regex, RegexError: req.RegexError, Enabled: enabled})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, attributeBodyOf(v))
}

func (a *api) getAttribute(c *gin.Context) {
	v, err := a.Attributes.Get(c.Request.Context(), c.Param("pool_id"), c.Param("name"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, attributeBodyOf(v))
}

func (a *api) updateAttribute(c *gin.Context) {
	var req updateAttributeRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	upd := attribute.UpdateRequest{PoolID: c.Param("pool_id"), Name: c.Param("name"), NewName: req.Name, Label: req.Label,
		Options: req.Options, KeepFirst: req.MaskKeepFirst, KeepLast: req.MaskKeepLast, Regex: req.Regex,
		RegexError: req.RegexError, Enabled: req.Enabled}
	if req.FieldType != nil {
		t := domain.FieldType(*req.FieldType)
		upd.Type = &t
	}
	if req.Masking != nil {
		m := domain.MaskRule(*req.Masking)
		upd.Masking = &m
	}
	v, err := a.Attributes.Update(c.Request.Context(), upd)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, attributeBodyOf(v))
}

func (a *api) deleteAttribute(c *gin.Context) {
	if err := a.Attributes.Delete(c.Request.Context(), c.Param("pool_id"), c.Param("name")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
