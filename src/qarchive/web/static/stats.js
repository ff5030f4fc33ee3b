// The two charts of /stats, drawn with the vendored Chart.js (no inline script:
// the page's Content-Security-Policy allows scripts from this server only).
(function () {
  "use strict";
  var red = "#c0392b", blue = "#2c6fbb", grey = "#8a96a3";
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.animation = false; // drawn at once: screenshots and tests see the final chart

  var delays = JSON.parse(document.getElementById("delays-data").textContent);
  var delaysCanvas = document.getElementById("delays-chart");
  if (delays.length) {
    window.qarchiveCharts = window.qarchiveCharts || {};
    window.qarchiveCharts.delays = new Chart(delaysCanvas, {
      type: "bar",
      data: {
        labels: delays.map(function (row) { return row.name; }),
        datasets: [
          { label: "median", data: delays.map(function (row) { return row.median; }), backgroundColor: blue },
          { label: "90th percentile", data: delays.map(function (row) { return row.p90; }), backgroundColor: grey }
        ]
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: "days from publication to answer" } } }
      }
    });
  } else {
    delaysCanvas.parentNode.textContent = "No answered question here yet.";
  }

  var monthsCanvas = document.getElementById("months-chart");
  var status = document.getElementById("months-status");
  fetch(monthsCanvas.getAttribute("data-src"), { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (payload) {
      var months = payload.months;
      if (!months.length) { status.textContent = "No question here yet."; return; }
      window.qarchiveCharts = window.qarchiveCharts || {};
      window.qarchiveCharts.months = new Chart(monthsCanvas, {
        data: {
          labels: months.map(function (row) { return row.month; }),
          datasets: [
            { type: "bar", label: "answers published", data: months.map(function (row) { return row.answered; }), backgroundColor: blue, yAxisID: "answers" },
            { type: "line", label: "overdue at the month's end", data: months.map(function (row) { return row.overdue; }), borderColor: red, backgroundColor: red, pointRadius: 0, yAxisID: "overdue" }
          ]
        },
        options: {
          maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
          scales: {
            answers: { position: "left", beginAtZero: true, title: { display: true, text: "answers" } },
            overdue: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "overdue" } }
          }
        }
      });
      status.textContent = "";
      status.hidden = true;
    })
    .catch(function (error) { status.textContent = "The monthly figures could not be read (" + error.message + ")."; })
    // Drawn, empty or failed: no longer loading, for screen readers and for whoever waits on it.
    .finally(function () { monthsCanvas.setAttribute("aria-busy", "false"); });
}());
