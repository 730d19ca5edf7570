// Generated from facilitator/bollen_geometry.py
// (python -m facilitator.bollen_geometry > static/js/bollen-geometry.js): the one
// geometry of the bollen figure on the web, the screen and in the annex. Do not edit.

export const MIN_BOLLEN = 2;
export const MAX_BOLLEN = 8;
// the centres' distance from the middle, in radii, by the number of bollen
export const SPREAD = {"2": 0.56, "3": 0.6, "4": 0.68, "5": 0.74, "6": 0.78, "7": 0.82, "8": 0.86};
// the circle centres for a radius of 1 (y down), the first half a step before the top
export const CENTRES = {"2": [[-0.56, 0.0], [0.56, 0.0]], "3": [[-0.519615, -0.3], [0.519615, -0.3], [0.0, 0.6]], "4": [[-0.480833, -0.480833], [0.480833, -0.480833], [0.480833, 0.480833], [-0.480833, 0.480833]], "5": [[-0.434961, -0.598673], [0.434961, -0.598673], [0.703782, 0.228673], [0.0, 0.74], [-0.703782, 0.228673]], "6": [[-0.39, -0.6755], [0.39, -0.6755], [0.78, 0.0], [0.39, 0.6755], [-0.39, 0.6755], [-0.78, 0.0]], "7": [[-0.355785, -0.738794], [0.355785, -0.738794], [0.799441, -0.182467], [0.641102, 0.511262], [0.0, 0.82], [-0.641102, 0.511262], [-0.799441, -0.182467]], "8": [[-0.329108, -0.794536], [0.329108, -0.794536], [0.794536, -0.329108], [0.794536, 0.329108], [0.329108, 0.794536], [-0.329108, 0.794536], [-0.794536, 0.329108], [-0.794536, -0.329108]]};
