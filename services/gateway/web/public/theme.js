// Set the colour theme before the first paint (no flash of the wrong theme); main.tsx keeps it current.
(function () {
  try {
    var theme = JSON.parse(localStorage.getItem("zamc.theme") || '"system"');
    var dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.setAttribute("data-theme", dark ? "dark" : "light");
  } catch (e) {
    /* default light */
  }
})();
