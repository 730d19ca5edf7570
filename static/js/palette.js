// Generated from facilitator/palette.py (python -m facilitator.palette > static/js/palette.js):
// the one palette and horizon symbol set of the web, the screen and the annex. Do not edit.

export const FILL_OPACITY = 0.16;
export const BOL_COLORS = [{"line": "#0072b2", "ink": "#0072b2"}, {"line": "#d55e00", "ink": "#c35600"}, {"line": "#009e73", "ink": "#008460"}, {"line": "#cc79a7", "ink": "#a36085"}, {"line": "#e69f00", "ink": "#9c6c00"}, {"line": "#56b4e9", "ink": "#3a7a9e"}, {"line": "#7a6a00", "ink": "#7a6a00"}, {"line": "#555555", "ink": "#555555"}];
export const HORIZON_SYMBOLS = [{"shape": "disc", "char": "●"}, {"shape": "triangle", "char": "▲"}, {"shape": "square", "char": "■"}, {"shape": "diamond", "char": "◆"}, {"shape": "ring", "char": "○"}, {"shape": "open-square", "char": "□"}];
