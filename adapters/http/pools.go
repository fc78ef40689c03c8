package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/pool"
)

type poolBody struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	LogoURL   string    `json:"logo_url,omitempty"`
	Issuer    string    `json:"issuer"`
	IsDefault bool      `json:"is_default"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (a *api) poolBody(p *domain.Pool) poolBody {
	b := poolBody{ID: p.ID, Name: p.Name, Issuer: a.Pools.Issuer(p.ID), IsDefault: p.IsDefault, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.LogoImageID != "" {
		b.LogoURL = a.Pools.Issuer(p.ID) + "/logo?v=" + p.LogoImageID
	}
	return b
}

type createPoolRequest struct {
	Name string `json:"name" validate:"required,max=128"`
	// Logo is a base64 PNG or JPEG (a data: URL is accepted too).
	Logo string `json:"logo"`
}

type updatePoolRequest struct {
	Name *string `json:"name" validate:"omitnil,min=1,max=128"`
	// Logo replaces the logo; an empty string removes it.
	Logo *string `json:"logo"`
}

func (a *api) registerPools(r *gin.RouterGroup) {
	r.POST("/pools", a.createPool)
	r.GET("/pools", a.listPools)
	r.GET("/pools/:pool_id", a.getPool)
	r.PATCH("/pools/:pool_id", a.updatePool)
	r.DELETE("/pools/:pool_id", a.deletePool)
	r.POST("/pools/:pool_id/default", a.setDefaultPool)
}

func (a *api) createPool(c *gin.Context) {
	var req createPoolRequest
	if err := decodeJSON(c, maxImageBody, &req); err != nil {
		writeError(c, err)
		return
	}
	var logo []byte
	if req.Logo != "" {
		var err error
		if logo, err = decodeImage("logo", req.Logo); err != nil {
			writeError(c, err)
			return
		}
	}
	p, err := a.Pools.Create(c.Request.Context(), pool.CreateRequest{Name: req.Name, Logo: logo})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.poolBody(p))
}

func (a *api) listPools(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Pools.List(c.Request.Context(), page)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, a.poolBody))
}

func (a *api) getPool(c *gin.Context) {
	p, err := a.Pools.Get(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.poolBody(p))
}

func (a *api) updatePool(c *gin.Context) {
	var req updatePoolRequest
	if err := decodeJSON(c, maxImageBody, &req); err != nil {
		writeError(c, err)
		return
	}
	logo, err := optionalImage("logo", req.Logo)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := a.Pools.Update(c.Request.Context(), pool.UpdateRequest{ID: c.Param("pool_id"), Name: req.Name, Logo: logo})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.poolBody(p))
}

func (a *api) deletePool(c *gin.Context) {
	if err := a.Pools.Delete(c.Request.Context(), pool.DeleteRequest{ID: c.Param("pool_id"), Confirm: c.Query("confirm")}); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) setDefaultPool(c *gin.Context) {
	p, err := a.Pools.SetDefault(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.poolBody(p))
}

// poolLogo serves a pool's logo publicly (login pages show it); the ?v= in its URL changes with
// the image, so it may be cached for long.
func (a *api) poolLogo(c *gin.Context) {
	img, err := a.Pools.Logo(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	serveImage(c, img)
}
