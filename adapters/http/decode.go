package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Body size limits. Requests that may carry an image (base64, ≤ 1 MiB raw) get room for an
// oversize one so the answer can name the field; anything larger is refused as a whole.
const (
	maxJSONBody  = 64 << 10
	maxImageBody = 4 << 20
)

var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}()

// decodeJSON reads c's body into dst: at most limit bytes, one JSON value, no unknown fields,
// then the struct's validate tags. Every problem becomes a field error.
func decodeJSON(c *gin.Context, limit int64, dst any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return domain.Invalid(domain.CodeInvalidRequest, "Content-Type must be application/json.",
			domain.FieldError{Field: "Content-Type", Reason: "must be application/json"})
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err, limit)
		}
		return domain.InvalidField("body", "must hold exactly one JSON object")
	}
	return validateStruct(dst)
}

func decodeError(err error, limit int64) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return domain.InvalidField("body", fmt.Sprintf("must be at most %d bytes", limit))
	case errors.Is(err, io.EOF):
		return domain.InvalidField("body", "is empty; a JSON object is required")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.InvalidField("body", "is not valid JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return domain.InvalidField(field, "must be "+jsonTypeName(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.InvalidField(name, "is not a known field")
	default:
		return domain.InvalidField("body", "could not be decoded: "+err.Error())
	}
}

func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "of type " + t.String()
	}
}

// validateStruct runs the validate tags of dst and lists each failure by JSON field path.
func validateStruct(dst any) error {
	err := validate.Struct(dst)
	var verrs validator.ValidationErrors
	if err == nil || !errors.As(err, &verrs) {
		return nil
	}
	var problems domain.Problems
	for _, fe := range verrs {
		problems.Add(fieldPath(fe.Namespace()), reasonFor(fe))
	}
	return problems.Err()
}

// fieldPath drops the struct name from a validator namespace ("createUser.attributes[x]").
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func reasonFor(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at most " + fe.Param() + " items"
		}
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map {
			return "must have at least " + fe.Param() + " items"
		}
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "oneof":
		return "must be one of: " + fe.Param()
	case "email":
		return "must be an email address"
	case "url", "http_url":
		return "must be an absolute URL"
	case "dive", "unique":
		return "must not contain duplicates"
	default:
		return "failed the " + fe.Tag() + " rule"
	}
}

// optionalImage is an image field of an update: nil when absent (keep the image), empty when
// "" (remove it), the decoded bytes otherwise.
func optionalImage(field string, s *string) (*[]byte, error) {
	if s == nil {
		return nil, nil
	}
	img := []byte{}
	if *s != "" {
		var err error
		if img, err = decodeImage(field, *s); err != nil {
			return nil, err
		}
	}
	return &img, nil
}

// decodeImage turns a base64 (optionally data-URL) image field into bytes.
func decodeImage(field, s string) ([]byte, error) {
	if i := strings.Index(s, ";base64,"); strings.HasPrefix(s, "data:") && i > 0 {
		s = s[i+len(";base64,"):]
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, domain.InvalidField(field, "must be base64-encoded image data")
	}
	return b, nil
}

// pageOf reads page and page_size from the query string.
func pageOf(c *gin.Context) (domain.Page, error) {
	var p domain.Page
	var problems domain.Problems
	for name, dst := range map[string]*int{"page": &p.Number, "page_size": &p.Size} {
		if raw := c.Query(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				problems.Add(name, "must be an integer")
				continue
			}
			if n < 1 {
				problems.Add(name, "must be at least 1")
				continue
			}
			*dst = n
		}
	}
	if err := problems.Err(); err != nil {
		return p, err
	}
	return p.Normalize()
}

// listBody is the shape of every paginated answer.
type listBody[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func listOf[D any, T any](l domain.List[D], conv func(*D) T) listBody[T] {
	out := listBody[T]{Items: make([]T, len(l.Items)), Page: l.Page.Number, PageSize: l.Page.Size, Total: l.Total}
	for i := range l.Items {
		out.Items[i] = conv(&l.Items[i])
	}
	return out
}
