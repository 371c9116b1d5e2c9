// Starts GOV.UK Frontend's components, and starts them again on content that htmx swaps in,
// moving focus to the error summary (it focuses itself) or the new heading, so that
// screen-reader users hear that the page changed.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'

// The strict CSP (style-src 'self') refuses every inline style. When htmx swaps in new content it
// copies the old element's `style` attribute onto the new one with the same id ("settling"), and
// elements pick up an empty style="" from outside the app (a browser extension, devtools, a
// screenshot tool): each copy logged "Applying inline style violates ... 'style-src 'self''".
// Settle only the attributes the app uses. (htmx's indicator <style> is already switched off by
// `includeIndicatorStyles: false` in the htmx-config meta tag.)
if (window.htmx) window.htmx.config.attributesToSettle = ['class', 'width', 'height']

initAll()

document.addEventListener('htmx:load', (event) => {
  const element = event.detail.elt
  if (element === document.body) return
  initAll({ scope: element })
  if (element.querySelector('.govuk-error-summary')) return
  const heading = element.querySelector('h1')
  if (heading) {
    heading.setAttribute('tabindex', '-1')
    heading.focus()
  }
})

// If an htmx request fails (a server error, an expired form, a lost connection), do the same
// thing again without htmx, so the person sees the real page and its message, never nothing.
function fallBackToFullPage (event) {
  const form = event.detail.elt.closest && event.detail.elt.closest('form')
  if (form && form.method.toLowerCase() === 'post') {
    form.submit()
  } else {
    window.location.assign(event.detail.pathInfo.requestPath)
  }
}
document.addEventListener('htmx:responseError', fallBackToFullPage)
document.addEventListener('htmx:sendError', fallBackToFullPage)

// When htmx replaces the case-study results, say how many there are now: the results region
// itself is swapped out, so it cannot announce its own change.
document.addEventListener('htmx:afterSwap', (event) => {
  const status = document.getElementById('casestudy-status')
  const count = document.getElementById('casestudy-count')
  if (status && count && event.detail.target.id === 'casestudy-results') status.textContent = count.textContent
})

// The same for the Approvals queue when its filter swaps the table in place.
document.addEventListener('htmx:afterSwap', (event) => {
  const status = document.getElementById('queue-status')
  const count = document.getElementById('queue-count')
  if (status && count && event.detail.target.id === 'queue-results') status.textContent = count.textContent
})

// The same for the decision register when a filter or page link swaps its results in place.
document.addEventListener('htmx:afterSwap', (event) => {
  const status = document.getElementById('register-status')
  const count = document.getElementById('register-count')
  if (status && count && event.detail.target.id === 'register-body') status.textContent = count.textContent
})
