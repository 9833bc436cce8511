// Detainer board: count each running clock down to its 48-hour limit, once a second. The
// server says how many seconds were left when it rendered the page (its clock is the one
// that counts, also when a store is replayed at another date); the page counts on from there.
const loaded = Date.now();
function fmt(s) {
  const neg = s < 0; s = Math.abs(Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const t = `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return neg ? `past limit by ${t}` : `${t} left`;
}
function tick() {
  const gone = (Date.now() - loaded) / 1000;
  for (const el of document.querySelectorAll(".clock[data-left]")) {
    const left = Number(el.dataset.left) - gone;
    el.textContent = fmt(left);
    el.classList.toggle("overdue", left < 0);
  }
}
tick();
setInterval(tick, 1000);
