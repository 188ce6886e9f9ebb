package feeds

// IsPublic lets the black-box tests check the page-fetch address guard
// against every special-purpose range without dialling any of them.
var IsPublic = isPublic
