// Detainer board: count each running clock down to its 48-hour limit, once a second.
function fmt(s) {
  const neg = s < 0; s = Math.abs(Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const t = `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return neg ? `past limit by ${t}` : `${t} left`;
}
function tick() {
  for (const el of document.querySelectorAll(".clock[data-deadline]")) {
    const left = (Date.parse(el.dataset.deadline) - Date.now()) / 1000;
    el.textContent = fmt(left);
    el.classList.toggle("overdue", left < 0);
  }
}
tick();
setInterval(tick, 1000);
