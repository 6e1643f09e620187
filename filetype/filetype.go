// Package filetype knows which file name extensions go with which media
// types. Zendesk wants an upload's extension to match the file's type
// (its Content-Type); this one table is what the Zendesk simulator checks
// uploads against and what kzmap names its uploads by. It is kzmap's own
// rather than the mime package's, whose tables grow with the machine's
// /etc/mime.types, so every machine decides the same.
package filetype

import (
	"path"
	"strings"
)

// extensions lists, for each media type, the extensions that name it, the
// usual one first.
var extensions = map[string][]string{
	"image/png":     {".png"},
	"image/jpeg":    {".jpg", ".jpeg", ".jpe", ".jfif"},
	"image/gif":     {".gif"},
	"image/webp":    {".webp"},
	"image/svg+xml": {".svg"},
	"image/bmp":     {".bmp"},
	"image/tiff":    {".tif", ".tiff"},
	"image/heic":    {".heic"},
	"image/heif":    {".heif"},
	"image/avif":    {".avif"},
	"image/x-icon":  {".ico"},

	"application/pdf":  {".pdf"},
	"application/json": {".json"},
	"application/xml":  {".xml"},
	"application/zip":  {".zip"},
	"application/gzip": {".gz"},
	"application/rtf":  {".rtf"},

	"application/msword":            {".doc"},
	"application/vnd.ms-excel":      {".xls"},
	"application/vnd.ms-powerpoint": {".ppt"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
	"application/vnd.oasis.opendocument.text":                                   {".odt"},
	"application/vnd.oasis.opendocument.spreadsheet":                            {".ods"},

	"text/plain":    {".txt", ".text", ".log"},
	"text/csv":      {".csv"},
	"text/html":     {".html", ".htm"},
	"text/xml":      {".xml"},
	"text/calendar": {".ics"},
	"text/markdown": {".md"},

	"message/rfc822": {".eml"},

	"audio/mpeg":      {".mp3"},
	"audio/wav":       {".wav"},
	"audio/ogg":       {".ogg", ".oga"},
	"audio/mp4":       {".m4a"},
	"video/mp4":       {".mp4", ".m4v"},
	"video/quicktime": {".mov"},
	"video/webm":      {".webm"},
}

// Normalize lowercases a Content-Type and drops its parameters
// ("Image/PNG; name=x" → "image/png").
func Normalize(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// Ext returns a name's extension as Zendesk reads it: from the last dot
// of its last path element, lowercased, "" when there is none ("a.",
// ".profile" and "v1.2 draft" have none).
func Ext(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return ""
	}
	ext := base[i:]
	for _, r := range ext[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return strings.ToLower(ext)
}

// Matches reports whether name's extension is one of the content type's.
// A type the table does not know matches any name: nothing can be said
// of it.
func Matches(name, contentType string) bool {
	exts, ok := extensions[Normalize(contentType)]
	if !ok {
		return true
	}
	ext := Ext(name)
	for _, e := range exts {
		if e == ext {
			return true
		}
	}
	return false
}

// Fix returns a name Zendesk accepts for a file of the content type: name
// itself when its extension matches, else name with the type's usual
// extension added ("no_extension" → "no_extension.png", "scan.jpg" of a
// PNG → "scan.jpg.png", so the name the customer saw stays in it).
func Fix(name, contentType string) string {
	if Matches(name, contentType) {
		return name
	}
	return strings.TrimRight(name, ".") + extensions[Normalize(contentType)][0]
}
